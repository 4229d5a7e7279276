"""Configuration: one pydantic model of the environment, validated once per cold start."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    stage: str = "dev"
    region: str = "us-east-1"
    # API Gateway HTTP APIs accept up to 10 MB; no Teamspace body needs more than this.
    max_body_bytes: int = 64 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment the first time."""
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        stage=env.get("STAGE", "dev"),
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        max_body_bytes=int(env.get("MAX_BODY_BYTES", 64 * 1024)),
    )
