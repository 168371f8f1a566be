#!/usr/bin/env node
// leadlex-import: registers tsx (a dependency of this package) so the TypeScript command runs on plain Node.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/import.ts');
