# Loaded by the moto_server that test/integration/egress-rules-moto.test.ts starts (through PYTHONPATH): teaches moto
# 5.2's CloudFormation the resource type AWS::EC2::SecurityGroupEgress, which it lacks (it has the ingress twin only),
# as AWS documents it (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupegress.html):
# one egress rule in GroupId to exactly one of CidrIp, CidrIpv6, DestinationPrefixListId, DestinationSecurityGroupId,
# created with moto's own AuthorizeSecurityGroupEgress. Everything else is moto's own behaviour.
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends


class SecurityGroupEgress(CloudFormationModel):
    # moto's model registry names a model's service by its module (moto.SERVICE...).
    __module__ = "moto.ec2.models.security_groups"

    def __init__(self, group_id, properties):
        self.group_id = group_id
        self.properties = properties

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SecurityGroupEgress"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        description = properties.get("Description")
        ip_ranges = []
        if properties.get("CidrIp"):
            ip_ranges.append({"CidrIp": properties["CidrIp"], "Description": description})
        if properties.get("CidrIpv6"):
            ip_ranges.append({"CidrIpv6": properties["CidrIpv6"], "Description": description})
        prefix_lists = [{"PrefixListId": properties["DestinationPrefixListId"], "Description": description}] if properties.get("DestinationPrefixListId") else []
        groups = [{"GroupId": properties["DestinationSecurityGroupId"]}] if properties.get("DestinationSecurityGroupId") else []
        backend.authorize_security_group_egress(
            group_name_or_id=properties["GroupId"],
            ip_protocol=properties["IpProtocol"],
            from_port=properties.get("FromPort"),
            to_port=properties.get("ToPort"),
            ip_ranges=ip_ranges,
            source_groups=groups,
            prefix_list_ids=prefix_lists,
        )
        return cls(properties["GroupId"], properties)
