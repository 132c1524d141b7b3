"""What each role in a study may do: one table, read by sessions and personal tokens alike."""

from enum import StrEnum

from savor.research.access import TokenScope


class StaffRole(StrEnum):
    INVESTIGATOR = "investigator"
    COORDINATOR = "coordinator"
    DATA_MANAGER = "data_manager"
    ADMIN = "admin"


ROLE_SCOPES: dict[StaffRole, frozenset[TokenScope]] = {
    # Reads everything, free text included, exports and reads the audit.
    StaffRole.INVESTIGATOR: frozenset(
        {
            TokenScope.STUDIES_READ,
            TokenScope.PARTICIPANTS_READ,
            TokenScope.EXPORT_READ,
            TokenScope.EXPORT_FREE_TEXT,
            TokenScope.AUDIT_READ,
        }
    ),
    # Runs the study day to day: codes, participants (and deletion at her request), alerts;
    # never exports answers.
    StaffRole.COORDINATOR: frozenset(
        {
            TokenScope.STUDIES_READ,
            TokenScope.CODES_WRITE,
            TokenScope.PARTICIPANTS_READ,
            TokenScope.PARTICIPANTS_DELETE,
            TokenScope.ALERTS_MANAGE,
        }
    ),
    # Exports and the codebook (under studies:read), without free text.
    StaffRole.DATA_MANAGER: frozenset({TokenScope.STUDIES_READ, TokenScope.EXPORT_READ}),
    # The protocol, the staff and their tokens (staff routes check the role itself), and the
    # audit, to see who did what.
    StaffRole.ADMIN: frozenset(
        {TokenScope.STUDIES_READ, TokenScope.PROTOCOL_WRITE, TokenScope.AUDIT_READ}
    ),
}


def scopes_of(role: str) -> frozenset[str]:
    return frozenset(s.value for s in ROLE_SCOPES[StaffRole(role)])
