// Who sees what (002). The server stays the authority: a 403 it answers is shown plainly;
// this only keeps buttons away from roles that could never use them.
export const MANAGERS = ["owner", "admin"];
export const STAFF = ["cashier", "guide", "service", "ops", "admin", "owner"];
// Money taken at the counter and gifts handed over (003): the till roles.
export const TILL = ["cashier", "ops", "admin", "owner"];

const GROUPS = { manage: MANAGERS, staff: STAFF, till: TILL };

/** Whether `role` may do a thing of the group `what` ("manage", "staff", "till"). */
export function can(role, what) {
  return (GROUPS[what] || []).includes(role);
}
