# Loaded by the moto_server that test/integration/deploy.test.ts starts (through PYTHONPATH): teaches moto 5.2's
# CloudFormation three AWS behaviours it lacks, so the deployer's recovery paths run against a real server:
#   1. a resource that fails during CreateStack rolls the stack back to ROLLBACK_COMPLETE, with a CREATE_FAILED
#      event carrying the resource's error (moto otherwise answers 500 and leaves CREATE_IN_PROGRESS);
#   2. UpdateTerminationProtection (moto answers 500);
#   3. DeleteStack refuses a stack with termination protection on (moto ignores the flag);
#   4. an update re-evaluates each resource's Condition under the new parameters: a resource whose condition
#      turned true is created, one whose condition turned false is deleted (moto diffs the template text only, so
#      a parameter that switches conditions changes nothing); test/integration/template-deploy-parquet.test.ts;
#   5. an executed change set leaves the stack with its parameters and freshly resolved outputs, as UpdateStack does
#      (moto keeps the parameters and outputs of before);
#   6. deleting an AWS::EC2::FlowLog resource deletes the flow log (moto's FlowLogs has no delete handler);
#   7. an updated stack's exports can be imported (moto registers exports when it creates a stack only), also by a
#      stack created before any export existed (moto gives such a stack an empty map of its own: `exports or {}`);
#   8. updating an AWS::IAM::Role applies its trust policy and inline policies (moto applies the description only);
#   9. a resource with DeletionPolicy Retain that an update removes is kept, as on stack deletion (moto deletes it);
#   (7 to 9: test/integration/oidc-bootstrap-deploy.test.ts upgrades the OIDC bootstrap and its pipeline stack.)
# Everything else is moto's own behaviour.
from moto.cloudformation import models, parsing, responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.iam.models import Role
import json

_create_resource = parsing.parse_and_create_resource
_create_resources = models.Stack.create_resources
_delete_stack = models.CloudFormationBackend.delete_stack
_update_resources = parsing.ResourceMap.update
_execute_change_set = models.CloudFormationBackend.execute_change_set
_update_stack = models.CloudFormationBackend.update_stack
_create_stack = models.CloudFormationBackend.create_stack
_delete_resource = parsing.ResourceMap._delete_resource
_update_role = Role.update_from_cloudformation_json.__func__


def _recording_create(logical_id, resource_json, resources_map, account_id, region_name):
    resources_map.creating = (logical_id, resource_json.get("Type", "?"))
    return _create_resource(logical_id, resource_json, resources_map, account_id, region_name)


def _create_or_roll_back(self):
    try:
        _create_resources(self)
    except Exception as error:  # a resource moto refused to create
        logical_id, resource_type = getattr(self.resource_map, "creating", ("?", "?"))
        reason = getattr(error, "message", None) or str(error)
        self.events.append(
            models.Event(self.stack_id, self.name, logical_id, "", resource_type, "CREATE_FAILED", reason, None)
        )
        self._add_stack_event("ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to create: [{logical_id}].")
        self._add_stack_event("ROLLBACK_COMPLETE")
        self.status = "ROLLBACK_COMPLETE"


def _update_termination_protection(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection")
    return ActionResult({"StackId": stack.stack_id})


def _delete_unless_protected(self, name_or_stack_id):
    stack = self.get_stack(name_or_stack_id)
    if stack.enable_termination_protection:
        raise ValidationError(
            message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"
        )
    return _delete_stack(self, name_or_stack_id)


def _update_with_conditions(self, template, parameters=None):
    _update_resources(self, template, parameters)
    to_delete = []
    for name, resource_json in self._resource_json_map.items():
        condition = resource_json.get("Condition")
        if not condition:
            continue
        wanted = bool(self.lazy_condition_map[condition])
        existing = self._parsed_resources.get(name)
        if wanted and existing is None:
            self[name]  # creates it (ResourceMap.__getitem__), after what it refers to
        elif not wanted and existing is not None:
            to_delete.append(name)
    # Dependents first: retry what fails while another deletion makes progress, as moto's own delete does.
    while to_delete:
        left = []
        for name in to_delete:
            try:
                self._delete_resource(self._parsed_resources[name], self._resource_json_map[name])
                del self._parsed_resources[name]
            except Exception:  # a dependency still in place: try again in the next pass
                left.append(name)
        if len(left) == len(to_delete):
            raise RuntimeError(f"could not delete {left} after a condition turned false")
        to_delete = left


def _execute_and_refresh(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    for change_set in self.change_sets.values():
        if change_set_name in (change_set.change_set_id, change_set.change_set_name) and change_set.parameters:
            change_set.stack.parameters = change_set.parameters
            change_set.stack.output_map = change_set.stack._create_output_map()


def _delete_flow_log(cls, resource_name, cloudformation_json, account_id, region_name):
    ec2_backends[account_id][region_name].delete_flow_logs([resource_name])


def _delete_unless_retained(self, parsed_resource, resource_json):
    if resource_json.get("DeletionPolicy") != "Retain":
        _delete_resource(self, parsed_resource, resource_json)


def _create_seeing_exports(self, *args, **kwargs):
    stack = _create_stack(self, *args, **kwargs)
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    return stack


def _update_and_export(self, name, template, role_arn, parameters, tags):
    stack = _update_stack(self, name, template, role_arn, parameters, tags)
    for export in stack.exports:
        self.exports[export.name] = export
    return stack


def _update_role_policies(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    role = _update_role(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    properties = cloudformation_json["Properties"]
    role.assume_role_policy_document = json.dumps(properties["AssumeRolePolicyDocument"])
    wanted = {p["PolicyName"]: json.dumps(p["PolicyDocument"]) for p in properties.get("Policies", [])}
    for policy_name in [n for n in role.policies if n not in wanted]:
        role.delete_policy(policy_name)
    for policy_name, document in wanted.items():
        role.put_policy(policy_name, document)
    return role


parsing.parse_and_create_resource = _recording_create
models.Stack.create_resources = _create_or_roll_back
responses.CloudFormationResponse.update_termination_protection = _update_termination_protection
models.CloudFormationBackend.delete_stack = _delete_unless_protected
parsing.ResourceMap.update = _update_with_conditions
models.CloudFormationBackend.execute_change_set = _execute_and_refresh
FlowLogs.delete_from_cloudformation_json = classmethod(_delete_flow_log)
models.CloudFormationBackend.update_stack = _update_and_export
models.CloudFormationBackend.create_stack = _create_seeing_exports
parsing.ResourceMap._delete_resource = _delete_unless_retained
Role.update_from_cloudformation_json = classmethod(_update_role_policies)
