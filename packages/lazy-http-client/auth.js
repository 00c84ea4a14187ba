// auth.js has no heavy imports; re-export it as is.
export * from '@actions/http-client-impl/lib/auth';
