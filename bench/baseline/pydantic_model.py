"""A third baseline: pydantic and one model, nothing else. Every Teamspace HTTP function
validates its bodies with pydantic, so this is a floor under each of them."""

from pydantic import BaseModel


class Thing(BaseModel):
    name: str
