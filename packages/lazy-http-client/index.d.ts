import type { HttpClient as Real } from '@actions/http-client-impl';
export declare class HttpClient {
  constructor(...args: ConstructorParameters<typeof Real>);
  getJson: Real['getJson'];
}
