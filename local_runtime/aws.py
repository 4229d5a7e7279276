"""The emulated AWS account: moto in-process, with the table created from template.yaml."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from moto import mock_aws

from local_runtime import faults
from local_runtime.moto_tuning import narrow_transaction_backups
from local_runtime.template import Template

FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # botocore routes stream-ARN calls to an account endpoint moto does not serve.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def use_fake_credentials() -> None:
    """Point boto3 at moto's fake account; never at a real one."""
    os.environ.update(FAKE_ENVIRONMENT)


def create_table(template: Template) -> dict[str, Any]:
    """Create the template's table in the active moto account and return its description."""
    client = boto3.client("dynamodb", region_name=template.region)
    definition = template.table_definition()
    client.create_table(**definition)
    client.update_time_to_live(
        TableName=definition["TableName"],
        TimeToLiveSpecification={
            "Enabled": True,
            "AttributeName": template.time_to_live_attribute(),
        },
    )
    return client.describe_table(TableName=definition["TableName"])["Table"]


def create_resources(template: Template) -> None:
    """The template's bus and queues, and its sender as a verified identity."""
    events = boto3.client("events", region_name=template.region)
    sqs = boto3.client("sqs", region_name=template.region)
    ses = boto3.client("ses", region_name=template.region)
    for resource in template.resources.values():
        properties = template.resolve(resource.get("Properties", {}))
        kind = resource["Type"]
        if kind == "AWS::Events::EventBus":
            events.create_event_bus(Name=properties["Name"])
        elif kind == "AWS::SQS::Queue":
            continue  # below, dead-letter queues first
    create_queues(template, sqs)
    sender = template.parameters.get("SenderAddress")
    if sender:
        ses.verify_email_identity(EmailAddress=sender)


def queue_name_of(template_arn: str) -> str:
    """The queue a template ARN (`!GetAtt Queue.Arn`, resolved locally) names."""
    return template_arn.rsplit("/", 1)[-1]


def find_queue(sqs: Any, name: str) -> tuple[str, str]:
    """The URL and the ARN of the moto queue called `name`."""
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attributes["Attributes"]["QueueArn"]


def create_queues(template: Template, sqs: Any) -> None:
    """The template's queues with their FIFO and redrive settings; a redrive target is
    created before the queue that names it."""
    queues = {
        logical_id: template.resolve(resource.get("Properties", {}))
        for logical_id, resource in template.resources.items()
        if resource["Type"] == "AWS::SQS::Queue"
    }
    for properties in sorted(queues.values(), key=lambda p: "RedrivePolicy" in p):
        attributes = {
            name: str(properties[name]).lower()
            for name in ("FifoQueue", "ContentBasedDeduplication")
            if name in properties
        }
        if "VisibilityTimeout" in properties:
            attributes["VisibilityTimeout"] = str(properties["VisibilityTimeout"])
        redrive = properties.get("RedrivePolicy")
        if redrive:
            _, arn = find_queue(sqs, queue_name_of(redrive["deadLetterTargetArn"]))
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": arn,
                    "maxReceiveCount": int(redrive["maxReceiveCount"]),
                }
            )
        sqs.create_queue(QueueName=properties["QueueName"], Attributes=attributes)


# CloudFormation's UserPool properties that CreateUserPool takes under the same name.
_POOL_PROPERTIES = ("Policies", "UsernameAttributes", "AutoVerifiedAttributes", "MfaConfiguration")
_CLIENT_PROPERTIES = ("GenerateSecret", "PreventUserExistenceErrors")


def create_user_pool(template: Template) -> tuple[str, str]:
    """The template's Cognito user pool and its client, in the active moto account, and
    their ids.

    The client also allows the admin password flow, which the local runtime's sign-in
    (`POST /_local/sign-in`) uses as a web page's SRP would."""
    cognito = boto3.client("cognito-idp", region_name=template.region)
    pool = template.resolve(template.resources["UserPool"]["Properties"])
    policy = pool.get("Policies", {}).get("PasswordPolicy", {})
    if "MinimumLength" in policy:  # a parameter: resolved as text
        policy["MinimumLength"] = int(policy["MinimumLength"])
    made = cognito.create_user_pool(
        PoolName=pool["UserPoolName"],
        Schema=pool.get("Schema", []),
        **{name: pool[name] for name in _POOL_PROPERTIES if name in pool},
    )["UserPool"]
    client = template.resolve(template.resources["UserPoolClient"]["Properties"])
    flows = [*client.get("ExplicitAuthFlows", []), "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    made_client = cognito.create_user_pool_client(
        UserPoolId=made["Id"],
        ClientName=client["ClientName"],
        ReadAttributes=client.get("ReadAttributes", []),
        ExplicitAuthFlows=flows,
        **{name: client[name] for name in _CLIENT_PROPERTIES if name in client},
    )["UserPoolClient"]
    return made["Id"], made_client["ClientId"]


class EmulatedAws:
    """A started moto mock with the suite's resources in it, and moto's transaction
    backups narrowed to the items a transaction touches (local_runtime/moto_tuning.py):
    with moto's own, every write copies everything ever written (issue 14)."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._mock = mock_aws()
        self._saved: list[tuple[Any, str, Any]] = []
        self.user_pool_id = ""
        self.user_pool_client_id = ""
        self.faults: faults.Injector | None = None

    def start(self) -> None:
        use_fake_credentials()
        narrow_transaction_backups(self._patch)
        self._mock.start()
        create_table(self.template)
        create_resources(self.template)
        self.user_pool_id, self.user_pool_client_id = create_user_pool(self.template)
        # The runtime's own template: `!Ref UserPool` now names this pool.
        self.template.physical_ids["UserPool"] = self.user_pool_id
        self.template.physical_ids["UserPoolClient"] = self.user_pool_client_id

    def inject_faults(self, spec: faults.FaultSpec) -> faults.Injector | None:
        """DynamoDB faults (local_runtime/faults.py) in every client created from now on
        from boto3's default session, which is what the functions' clients come from."""
        if spec.active:
            if boto3.DEFAULT_SESSION is None:
                boto3.setup_default_session()
            self.faults = faults.install(boto3.DEFAULT_SESSION, spec)
        return self.faults

    def stop(self) -> None:
        if self.faults is not None:
            self.faults.remove()
            self.faults = None
        self._mock.stop()
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved = []

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)
