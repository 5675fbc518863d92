export interface ContactLinks {
  whatsapp: string | null;
  tel: string | null;
  mailto: string | null;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** Quick-contact links from a customer's stored phone and email; null where the value is unusable. */
export function contactLinks({
  phone,
  email,
}: {
  phone?: string | null;
  email?: string | null;
}): ContactLinks {
  const digits = (phone ?? '').replace(/\D/g, '');
  const usablePhone = digits.length >= 6 && digits.length <= 15;
  const address = (email ?? '').trim();
  return {
    whatsapp: usablePhone ? `https://wa.me/${digits}` : null,
    tel: usablePhone ? `tel:+${digits}` : null,
    mailto: EMAIL.test(address) ? `mailto:${address}` : null,
  };
}
