/**
 * Joins `s` (first_response_mins, resolution_mins): the SLA targets in force when ticket `t` was
 * created, for its priority. Later changes to the targets do not move an open ticket's deadlines.
 */
export const SLA_TARGET_IN_FORCE = `LEFT JOIN LATERAL (
    SELECT v.first_response_mins, v.resolution_mins FROM sla_target_versions v
     WHERE v.priority = t.priority AND v.effective_from <= t.created_at
     ORDER BY v.effective_from DESC LIMIT 1) s ON true`;
