# Loaded by the moto_server that test/integration/deploy.test.ts starts (through PYTHONPATH): teaches moto 5.2's
# CloudFormation three AWS behaviours it lacks, so the deployer's recovery paths run against a real server:
#   1. a resource that fails during CreateStack rolls the stack back to ROLLBACK_COMPLETE, with a CREATE_FAILED
#      event carrying the resource's error (moto otherwise answers 500 and leaves CREATE_IN_PROGRESS);
#   2. UpdateTerminationProtection (moto answers 500);
#   3. DeleteStack refuses a stack with termination protection on (moto ignores the flag).
# Everything else is moto's own behaviour.
from moto.cloudformation import models, parsing, responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import ActionResult

_create_resource = parsing.parse_and_create_resource
_create_resources = models.Stack.create_resources
_delete_stack = models.CloudFormationBackend.delete_stack


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


parsing.parse_and_create_resource = _recording_create
models.Stack.create_resources = _create_or_roll_back
responses.CloudFormationResponse.update_termination_protection = _update_termination_protection
models.CloudFormationBackend.delete_stack = _delete_unless_protected
