// ./epochs.test.ts over node-postgres (drizzle-orm/node-postgres, a pg Pool; the listener's LISTEN on a pg Client of its own).
process.env.HOTSTORAGE_TEST_DRIVER = 'node-postgres';
await import('./epochs.test.js');
