// What the page remembers between screens. Nothing here is evidence: images live in
// blob URLs that are released when the screen changes or the vault locks.

export const state = {
  status: null,
  caseId: null,
  // The open case keeps no pictures or videos (docs/safeguarding.md).
  noImages: false,
  caseTitle: "",
  itemId: null,
  capture: null,
  // A vault was open in this page: locking reloads it (screens/lock.js).
  opened: false,
};

/// Whether a vault is open.
export function ready() {
  return Boolean(state.status && state.status.ready);
}
