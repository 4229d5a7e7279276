"""A second baseline: the minimal Powertools handler with request validation on and one
pydantic body model, as every Teamspace HTTP function has (`enable_validation=True`)."""

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

app = APIGatewayHttpResolver(enable_validation=True)
logger = Logger()


class Thing(BaseModel):
    name: str


@app.post("/x")
def x(body: Annotated[Thing, Body()]) -> dict[str, str]:
    return {"name": body.name}


def lambda_handler(event, context):
    return app.resolve(event, context)
