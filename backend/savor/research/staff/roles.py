"""What each role in a study may do: one table, read by sessions and personal tokens alike."""

from enum import StrEnum

from savor.auth import Scope


class StaffRole(StrEnum):
    INVESTIGATOR = "investigator"
    COORDINATOR = "coordinator"
    DATA_MANAGER = "data_manager"
    ADMIN = "admin"


ROLE_SCOPES: dict[StaffRole, frozenset[Scope]] = {
    # Reads everything, free text included, exports and reads the audit.
    StaffRole.INVESTIGATOR: frozenset(
        {
            Scope.STUDIES_READ,
            Scope.PARTICIPANTS_READ,
            Scope.EXPORT_READ,
            Scope.EXPORT_FREE_TEXT,
            Scope.AUDIT_READ,
        }
    ),
    # Runs the study day to day: codes, participants (and deletion at her request), alerts;
    # never exports answers.
    StaffRole.COORDINATOR: frozenset(
        {
            Scope.STUDIES_READ,
            Scope.CODES_WRITE,
            Scope.PARTICIPANTS_READ,
            Scope.PARTICIPANTS_DELETE,
            Scope.ALERTS_MANAGE,
        }
    ),
    # Exports and the codebook (under studies:read), without free text.
    StaffRole.DATA_MANAGER: frozenset({Scope.STUDIES_READ, Scope.EXPORT_READ}),
    # The protocol, the staff and their tokens (staff routes check the role itself), and the
    # audit, to see who did what.
    StaffRole.ADMIN: frozenset({Scope.STUDIES_READ, Scope.PROTOCOL_WRITE, Scope.AUDIT_READ}),
}


def scopes_of(role: str) -> frozenset[str]:
    return frozenset(s.value for s in ROLE_SCOPES[StaffRole(role)])
