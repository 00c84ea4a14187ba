import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The override installs the stand-in under the real package name, as @actions/core sees it.
import { HttpClient } from '@actions/http-client';
import { BearerCredentialHandler } from '@actions/http-client/lib/auth';

describe('lazy @actions/http-client stand-in', () => {
  const seen: { url?: string; authorization?: string } = {};
  const server = createServer((request, response) => {
    seen.url = request.url;
    seen.authorization = request.headers.authorization;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ value: 'id-token' }));
  });
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('forwards getJson to the real client with the handlers it was built with', async () => {
    const client = new HttpClient('flightdeck-test', [new BearerCredentialHandler('s3cret')], { allowRetries: false });
    const response = await client.getJson<{ value: string }>(`${base}/token?audience=sts`);
    expect(response.statusCode).toBe(200);
    expect(response.result).toEqual({ value: 'id-token' });
    expect(seen).toEqual({ url: '/token?audience=sts', authorization: 'Bearer s3cret' });
  });
});
