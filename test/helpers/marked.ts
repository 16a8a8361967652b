import { dirname, join } from 'node:path';
import type * as Marked from 'marked';

/**
 * marked, for tests that parse a message the way a markdown renderer would. marked ships as ESM
 * only and jest here runs CommonJS without transforming node_modules: load its UMD build.
 */
export const marked = require(join(dirname(require.resolve('marked')), 'marked.umd.js')) as typeof Marked;
