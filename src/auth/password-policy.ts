import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

const require = createRequire(import.meta.url);

export const PASSWORD_MIN_LENGTH = 12;
// argon2 hashes whatever it is given; a cap keeps one request from costing seconds of CPU.
export const PASSWORD_MAX_LENGTH = 256;
/** zxcvbn's 0–4 scale: 3 is "safely unguessable" (about 10^8 guesses or more). */
const MIN_SCORE = 3;

// Built on the first password set, not at start: the dictionaries (common passwords, names,
// English words) take tens of MB and a moment to load, and most processes never need them.
let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  if (estimator) return estimator;
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common =
    require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const english = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  return (estimator = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  }));
}

/**
 * Why a new password is refused, or null when it is strong enough. `personal` holds what the
 * person's account already says about them (name, email), which must not make up the password.
 */
export function passwordProblem(password: string, personal: string[] = []): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const inputs = personal
    .flatMap((value) => [value, ...value.split(/[^\p{L}\p{N}]+/u)])
    .filter((v) => v.length >= 3);
  const result = zxcvbn().check(password, inputs);
  // Whoever targets an account knows the name on it: a password built on it must be stronger still.
  const usesPersonal = result.sequence.some(
    (part) => part.pattern === 'dictionary' && part.dictionaryName === 'userInputs',
  );
  if (usesPersonal && result.score < 4)
    return 'Leave your name and email out of your password, or make it much longer.';
  if (result.score >= MIN_SCORE) return null;
  const hint = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
  return `This password is too easy to guess.${hint ? ' ' + hint : ' Try a longer phrase of unrelated words.'}`;
}
