export * from '@actions/http-client-impl/lib/auth';
