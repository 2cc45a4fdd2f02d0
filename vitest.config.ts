import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §6): unit tests need no services; integration tests use the real
// Kafka broker and PostgreSQL started by `palisade stack up`.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.unit.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
