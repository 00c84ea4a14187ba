// @actions/core imports @actions/http-client only to fetch OIDC tokens, but evaluating it (and undici)
// costs ~120 ms of CPU at every action start. This stand-in defers that until a request is made.
// It covers exactly what @actions/core's oidc-utils uses: `new HttpClient(...)` and `getJson()`.
let implementation;
const load = async () => (implementation ??= await import('@actions/http-client-impl'));

export class HttpClient {
  #args;
  constructor(...args) {
    this.#args = args;
  }
  async getJson(requestUrl, additionalHeaders) {
    const { HttpClient: Real } = await load();
    return new Real(...this.#args).getJson(requestUrl, additionalHeaders);
  }
}
