// A questionnaire she has begun and not yet sent, kept on this phone so she can stop and come
// back. Every read and write of a draft goes through this module and nowhere else, so how a
// draft is stored is decided in one place: sealed by the vault (js/vault.js) like her journal,
// so IndexedDB holds only `{sealed}` under the draft's key, re-sealed when her PIN changes.
//
// A draft: { client_id, started_at, page, answers: [{item_id, value, declined}] }. Its
// client_id is made once, when she begins: sending the finished form twice (a retry, a second
// tap, the app closed before the draft was let go) is still one record on the server.

import { kv } from "./db.js";
import * as vault from "./vault.js";

const PREFIX = "questionnaireDraft:";

export async function read(promptId) {
  const stored = await kv.get(PREFIX + promptId);
  if (!stored) return null;
  // A draft kept before the vault is read as it is, and sealed at its next write.
  if (!stored.sealed) return stored;
  return vault.open(stored.sealed).catch(() => null);
}

export async function write(promptId, draft) {
  await kv.set(PREFIX + promptId, { sealed: await vault.seal(draft) });
}

export async function discard(promptId) {
  await kv.remove(PREFIX + promptId);
}
