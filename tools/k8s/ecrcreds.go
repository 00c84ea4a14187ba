package main

// ecr-credential-provider: the kubelet image credential provider of the local
// stack's real node. A stand-in for cloud-provider-aws's provider of the same
// name, which EKS nodes run: the kubelet execs it for images on an ECR
// hostname, sends a CredentialProviderRequest on stdin, and reads back the
// registry's user name and password, which come from ECR's
// GetAuthorizationToken (moto's, in the stack). So pods pull from "ECR" with no
// imagePullSecret, as on EKS.
//
// Only the standard library and the kubelet's own API types: the request is
// signed with SigV4 by hand (about 40 lines) instead of pulling the AWS SDK
// into the Kubernetes build. The password is written to stdout for the
// kubelet and nowhere else.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	credentialprovider "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
)

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn], optionally with a port.
var ecrHost = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?::[0-9]+)?$`)

// The token's own expiry bounds the cache; this is the most the kubelet keeps it.
const maxCacheDuration = 6 * time.Hour

func runECRCredentialProvider(_ []string) int {
	if err := provideCredentials(os.Stdin, os.Stdout, time.Now); err != nil {
		fmt.Fprintf(os.Stderr, "ecr-credential-provider: %v\n", err)
		return 1
	}
	return 0
}

func provideCredentials(in io.Reader, out io.Writer, now func() time.Time) error {
	var request credentialprovider.CredentialProviderRequest
	if err := json.NewDecoder(in).Decode(&request); err != nil {
		return fmt.Errorf("reading the CredentialProviderRequest from stdin: %w", err)
	}
	response := credentialprovider.CredentialProviderResponse{
		TypeMeta:     metav1.TypeMeta{APIVersion: credentialprovider.SchemeGroupVersion.String(), Kind: "CredentialProviderResponse"},
		CacheKeyType: credentialprovider.RegistryPluginCacheKeyType,
	}
	host := strings.SplitN(request.Image, "/", 2)[0]
	match := ecrHost.FindStringSubmatch(host)
	if match != nil {
		account, region := match[1], match[2]
		token, expires, err := authorizationToken(account, region, now())
		if err != nil {
			return err
		}
		user, password, ok := strings.Cut(token, ":")
		if !ok {
			return fmt.Errorf("ECR returned an authorization token that is not base64(\"user:password\")")
		}
		response.Auth = map[string]credentialprovider.AuthConfig{host: {Username: user, Password: password}}
		ttl := min(expires.Sub(now())-time.Minute, maxCacheDuration)
		response.CacheDuration = &metav1.Duration{Duration: max(ttl, 0)}
	}
	// No match: an empty answer (no auth) tells the kubelet to pull anonymously.
	return json.NewEncoder(out).Encode(response)
}

// authorizationToken calls ECR GetAuthorizationToken and returns the decoded
// "user:password" and its expiry.
func authorizationToken(account, region string, now time.Time) (string, time.Time, error) {
	endpoint := firstNonEmpty(os.Getenv("AWS_ENDPOINT_URL_ECR"), os.Getenv("AWS_ENDPOINT_URL"), "https://api.ecr."+region+".amazonaws.com")
	target, err := url.Parse(endpoint)
	if err != nil || target.Host == "" {
		return "", time.Time{}, fmt.Errorf("the ECR endpoint %q is not a URL; set AWS_ENDPOINT_URL in the provider's env", endpoint)
	}
	keyID, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if keyID == "" || secret == "" {
		return "", time.Time{}, fmt.Errorf("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set in the provider's env")
	}
	body, _ := json.Marshal(map[string][]string{"registryIds": {account}})
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
	if session := os.Getenv("AWS_SESSION_TOKEN"); session != "" {
		req.Header.Set("X-Amz-Security-Token", session)
	}
	signV4(req, body, keyID, secret, region, "ecr", now)

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ECR GetAuthorizationToken at %s: %w", target.Host, err)
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		// ECR's error bodies name the error type and message, never a credential.
		return "", time.Time{}, fmt.Errorf("ECR GetAuthorizationToken at %s answered %s: %s", target.Host, resp.Status, bytes.TrimSpace(payload))
	}
	var answer struct {
		AuthorizationData []struct {
			AuthorizationToken string  `json:"authorizationToken"`
			ExpiresAt          float64 `json:"expiresAt"`
		} `json:"authorizationData"`
	}
	if err := json.Unmarshal(payload, &answer); err != nil || len(answer.AuthorizationData) == 0 {
		return "", time.Time{}, fmt.Errorf("ECR GetAuthorizationToken at %s returned no authorizationData", target.Host)
	}
	data := answer.AuthorizationData[0]
	decoded, err := base64.StdEncoding.DecodeString(data.AuthorizationToken)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ECR returned an authorization token that is not base64")
	}
	expires := time.Unix(int64(data.ExpiresAt), 0)
	if data.ExpiresAt == 0 {
		expires = now.Add(12 * time.Hour) // ECR's documented token lifetime
	}
	return string(decoded), expires, nil
}

// signV4 adds AWS Signature Version 4 headers for a request whose only query
// is empty and whose path is "/", which is all the ECR JSON API uses.
func signV4(req *http.Request, body []byte, keyID, secret, region, service string, now time.Time) {
	at := now.UTC()
	stamp, day := at.Format("20060102T150405Z"), at.Format("20060102")
	req.Header.Set("X-Amz-Date", stamp)
	names := []string{"content-type", "host", "x-amz-date", "x-amz-target"}
	if req.Header.Get("X-Amz-Security-Token") != "" {
		names = append(names, "x-amz-security-token")
	}
	var canonicalHeaders strings.Builder
	for _, name := range names {
		value := req.Header.Get(name)
		if name == "host" {
			value = req.URL.Host
		}
		fmt.Fprintf(&canonicalHeaders, "%s:%s\n", name, strings.TrimSpace(value))
	}
	signed := strings.Join(names, ";")
	canonical := strings.Join([]string{req.Method, "/", "", canonicalHeaders.String(), signed, hexSHA256(body)}, "\n")
	scope := day + "/" + region + "/" + service + "/aws4_request"
	toSign := strings.Join([]string{"AWS4-HMAC-SHA256", stamp, scope, hexSHA256([]byte(canonical))}, "\n")
	key := []byte("AWS4" + secret)
	for _, part := range []string{day, region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", keyID, scope, signed, signature))
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
