/** What a customer's avatar shows: their photo (by a URL that changes with it) or initials. */
export interface Avatar {
  src: string | null;
  initials: string;
  name: string;
}

export function initialsOf(fullName: string): string {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => Array.from(w)[0]?.toLocaleUpperCase('en') ?? '').join('') || '?';
}

export function avatarOf(customer: {
  id: number;
  fullName: string;
  photo?: { updatedAt: Date } | null;
}): Avatar {
  return {
    src: customer.photo
      ? `/customers/${customer.id}/photo?v=${customer.photo.updatedAt.getTime()}`
      : null,
    initials: initialsOf(customer.fullName),
    name: customer.fullName,
  };
}

/** The select that says whether (and since when) a customer has a photo, without its bytes. */
export const PHOTO_STAMP = { select: { updatedAt: true } } as const;
