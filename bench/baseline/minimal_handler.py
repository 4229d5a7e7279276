"""The baseline of the cold-start table: a minimal Powertools HTTP handler (a resolver, a
logger, one route), imported in a fresh interpreter as a function's `app` module is."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver()
logger = Logger()


@app.get("/x")
def x() -> dict[str, str]:
    return {}


def lambda_handler(event, context):
    return app.resolve(event, context)
