"""`savor push`: Web Push signing keys."""

import json

import typer
from cryptography.hazmat.primitives.asymmetric import ec

from savor.notify.vapid import VapidKeys

push_app = typer.Typer(help="Web Push signing keys.", no_args_is_help=True)


@push_app.command("keys")
def push_keys() -> None:
    """Print a new VAPID key pair; give every replica the same SAVOR_VAPID_PRIVATE_KEY."""
    keys = VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))
    print("SAVOR_VAPID_PRIVATE_KEY=" + json.dumps(keys.private_key_pem))
    print(f"Public key: {keys.public_key}")
