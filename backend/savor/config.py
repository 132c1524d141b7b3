"""Service settings, read once from the environment (prefix SAVOR_) and validated at start."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from savor import filemodes, outbound

SECRET_KEY_FILE = "secret.key"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAVOR_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite file in data_dir when unset"
    )
    base_url: str | None = Field(
        default=None, description="public URL for links and QR codes; http://HOST:PORT when unset"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr | None = Field(
        default=None, description="Pepper for hashing enrollment codes; generated when unset"
    )
    scheduler_enabled: bool = True
    scheduler_interval_seconds: int = Field(default=30, ge=1, le=3600)
    migrate_on_start: bool = True
    writer_process: bool = Field(
        default=True,
        description="store check-ins from a process of their own, so they use a second core",
    )
    vapid_private_key: SecretStr | None = Field(
        default=None, description="Web Push signing key (PEM); generated into data_dir when unset"
    )
    vapid_subject: str = Field(
        default="mailto:operator@localhost",
        description="contact the push services may use: mailto: address or https URL",
    )
    push_ttl_seconds: int = Field(default=45 * 60, ge=0, le=7 * 24 * 3600)
    push_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    push_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="more push service hosts, comma-separated: host names or *.suffix patterns",
    )
    outbound_allow_loopback: bool = Field(
        default=False,
        description="only for tests and local development: lets push endpoints and webhooks "
        "point at this machine; never set in production",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    pwa_dir: Path = Path(__file__).resolve().parents[2] / "pwa"
    enrollment_code_days: int = Field(default=30, ge=1, le=365)
    enrollment_max_failures: int = Field(default=5, ge=1, le=100)
    enrollment_lockout_seconds: int = Field(default=300, ge=1, le=86400)
    token_max_failures: int = Field(default=30, ge=1, le=10000)
    api_docs: bool = Field(
        default=False, description="serve interactive API docs at /docs (from this server only)"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("SAVOR_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("push_hosts", mode="before")
    @classmethod
    def _push_host_patterns(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        for pattern in value if isinstance(value, list | tuple) else ():
            if not isinstance(pattern, str) or not outbound.HOST_PATTERN.match(pattern):
                raise ValueError(
                    f"SAVOR_PUSH_HOSTS: {pattern!r} is not a host name or a *.suffix pattern "
                    "(for example push.example.org,*.push.example.net)"
                )
        return value

    @model_validator(mode="after")
    def _shared_secret_for_shared_database(self) -> "Settings":
        # Replicas on one PostgreSQL must hash enrollment codes with the same pepper; a key
        # generated per machine would silently reject codes created on another replica.
        if not self.is_sqlite and self.secret_key is None:
            raise ValueError("SAVOR_SECRET_KEY must be set when SAVOR_DATABASE_URL is not SQLite")
        if not self.is_sqlite and self.vapid_private_key is None:
            raise ValueError(
                "SAVOR_VAPID_PRIVATE_KEY must be set when SAVOR_DATABASE_URL is not SQLite, so "
                "every replica signs pushes with the same key ('savor push keys' makes one)"
            )
        if (
            self.secret_key is not None
            and len(self.secret_key.get_secret_value()) < MIN_SECRET_LENGTH
        ):
            raise ValueError(f"SAVOR_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        return self

    @field_validator("vapid_subject")
    @classmethod
    def _push_contact(cls, value: str) -> str:
        if not (value.startswith("mailto:") and "@" in value) and not value.startswith("https://"):
            raise ValueError("SAVOR_VAPID_SUBJECT must be a mailto: address or an https URL")
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'savor.db').resolve()}"

    @property
    def public_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}"

    @property
    def outbound_policy(self) -> outbound.Policy:
        """Where push messages and webhook posts may go (savor.outbound)."""
        return outbound.Policy(
            push_hosts=outbound.PUSH_HOSTS + self.push_hosts,
            allow_loopback=self.outbound_allow_loopback,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def pepper(self) -> bytes:
        """The server secret; created once in data_dir and reused when not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / SECRET_KEY_FILE
        return filemodes.create_once(path, lambda: secrets.token_urlsafe(48)).strip().encode()


@lru_cache
def get_settings() -> Settings:
    return Settings()
