// The declarations of incident-rooms.js live in index.d.ts; this file lets TypeScript find them beside the module.
export * from './index.js';
