// A vitest setup file: `setupFiles: ['@wirescope/vitest/setup']` registers the matchers for every test.
import { installWirescopeMatchers } from './matchers.js';

installWirescopeMatchers();
