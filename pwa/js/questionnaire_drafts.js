// A questionnaire she has begun and not yet sent, kept on this phone so she can stop and come
// back. Every read and write of a draft goes through this module and nowhere else, so how a
// draft is stored (and, later, sealed on the phone) is decided in one place.
//
// A draft: { client_id, started_at, page, answers: [{item_id, value, declined}] }. Its
// client_id is made once, when she begins: sending the finished form twice (a retry, a second
// tap, the app closed before the draft was let go) is still one record on the server.

import { kv } from "./db.js";

const PREFIX = "questionnaireDraft:";

export async function read(promptId) {
  return (await kv.get(PREFIX + promptId)) ?? null;
}

export async function write(promptId, draft) {
  await kv.set(PREFIX + promptId, draft);
}

export async function discard(promptId) {
  await kv.remove(PREFIX + promptId);
}
