import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) return start;
  }
}

/** The repository root, whether running from src/ (tsx) or dist/ (compiled). */
export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
