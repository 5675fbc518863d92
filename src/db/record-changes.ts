/** What a record's change history shows: the field, its old and new value, when and by whom. */
export const CHANGE_FIELDS = {
  field: true,
  fromValue: true,
  toValue: true,
  createdAt: true,
  actor: { select: { name: true } },
} as const;
