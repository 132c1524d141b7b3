// What each role may see: mirrors research/staff/roles.py so the console offers only what the
// API will allow. The API checks again on every call.

export const SCOPES = {
  investigator: ["studies:read", "participants:read", "export:read", "export:free_text", "audit:read"],
  coordinator: ["studies:read", "codes:write", "participants:read", "participants:delete", "alerts:manage"],
  data_manager: ["studies:read", "export:read"],
  admin: ["studies:read", "protocol:write", "audit:read", "staff:manage"],
};

// [hash, label, the scope that opens it]
export const SCREENS = [
  ["today", "Today", "participants:read"],
  ["participants", "Participants", "participants:read"],
  ["compliance", "Compliance", "participants:read"],
  ["enrollment", "Enrollment", "codes:write"],
  ["protocol", "Protocol", "studies:read"],
  ["data", "Data", "studies:read"],
  ["staff", "Staff", "staff:manage"],
];

export function can(role, scope) {
  return (SCOPES[role] || []).includes(scope);
}

export function screensFor(role) {
  return SCREENS.filter(([, , scope]) => can(role, scope));
}
