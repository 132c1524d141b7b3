"""Agreeing again when the study publishes a new consent version, as the app asks: at her
next visit online (`GET /me` says `consent_needed`) the consent comes before anything else;
she reads it (`GET /me/consent`) and agrees (`POST /me/consent`), or she does not, and then
the app shows her only the consent (Help and Settings stay open). Offline she goes on as
before and is asked next time."""

from savor.rehearsal.phone import Phone


async def may_use_app(phone: Phone) -> bool:
    """Whether her visit now reaches the app beyond the consent (a check-in, an offer, a
    practice); she agrees first if she is willing to."""
    truth = phone.truth
    agreed = max((version for version, _ in truth.consents), default=0)
    if truth.consent_published is None or agreed >= truth.consent_published or not phone.online:
        return True
    me = await phone.call("GET", "/me")
    if me.status_code != 200 or not me.json().get("consent_needed"):
        return True
    if truth.consent_willing is None:
        truth.consent_willing = phone.rng.random() < phone.model.reconsent_probability
    if not truth.consent_willing:
        return False
    shown = await phone.call("GET", "/me/consent")
    if shown.status_code != 200:
        return False
    version = shown.json()["version"]
    agreed_at = phone.now()
    answer = await phone.call("POST", "/me/consent", {"version": version})
    if not 200 <= answer.status_code < 300:
        return False
    truth.consents.append((version, agreed_at))
    return True
