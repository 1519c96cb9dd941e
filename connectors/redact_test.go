package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mapsync/engine/plan"
)

// TestSecretsNeverLeak forces failures whose server messages echo the
// credentials they received, and scans everything the client returns or
// logs for the secrets in every common encoding.
func TestSecretsNeverLeak(t *testing.T) {
	ctx := context.Background()
	echo := func(r *http.Request, status int) string {
		b, _ := json.Marshal(map[string]any{"message": fmt.Sprintf("refused: auth=%q secret=%q key=%q body-echo",
			r.Header.Get("Authorization"), r.Header.Get("Secret"), r.Header.Get("x-api-key"))})
		return string(b)
	}
	always := func(status int) fault {
		return func(r *http.Request, _ []byte) (int, http.Header) {
			if strings.Contains(r.URL.Path, "authenticate") || strings.Contains(r.URL.Path, "zoneInformation") {
				return 0, nil
			}
			return status, nil
		}
	}
	cases := []struct {
		name    string
		secrets []string
		run     func(t *testing.T, opts ...Option) []string // returns texts the caller can see
	}{
		{
			name:    "basic auth with a wrong password echoed back",
			secrets: []string{"wrong-Pass-31337", base64.StdEncoding.EncodeToString([]byte("acme+pubkey1234:wrong-Pass-31337"))},
			run: func(t *testing.T, opts ...Option) []string {
				s := newLinkHeaderServer(t, 3)
				vars := testVars(map[string]string{"site": s.srv.URL, "client_id": lhClientID, "company": "acme",
					"public_key": "pubkey1234", "private_key": "wrong-Pass-31337"}, "private_key")
				c := mustClient(t, linkHeaderSystem(s.srv.URL, 10), vars, opts...)
				_, err := c.Get(ctx, "configuration", "1")
				res := c.Update(ctx, "configuration", []Update{{ID: "1", Fields: map[string]any{"name": "x"}}})
				return []string{errText(err), res[0].Message}
			},
		},
		{
			name:    "header auth echoed in 5xx bodies after retries",
			secrets: []string{qbSecret, qbCode},
			run: func(t *testing.T, opts ...Option) []string {
				s := newQueryBodyServer(t, 3)
				s.setFault(always(http.StatusInternalServerError))
				s.setFaultBody(echo)
				c := mustClient(t, queryBodySystem(s.srv.URL, 10), testVars(map[string]string{"zone_url": s.srv.URL, "code": qbCode, "user": qbUser, "secret": qbSecret}), opts...)
				var texts []string
				for _, err := range c.List(ctx, "configuration", ListQuery{}) {
					texts = append(texts, errText(err))
				}
				res := c.Create(ctx, "configuration", []WriteRecord{{Fields: map[string]any{"referenceTitle": "x"}}})
				return append(texts, res[0].Message)
			},
		},
		{
			name:    "api key echoed in 403",
			secrets: []string{"wrong-key-0123456789"},
			run: func(t *testing.T, opts ...Option) []string {
				s := newJSONAPIServer(t, 3, 0)
				c := mustClient(t, jsonapiSystem(s.srv.URL, 10), testVars(map[string]string{"url": s.srv.URL, "api_key": "wrong-key-0123456789"}), opts...)
				_, err := c.Get(ctx, "configuration", "1")
				return []string{errText(err)}
			},
		},
		{
			name:    "token echoed back, and a refused login",
			secrets: []string{"jwt-token-1-abcdefgh", envPass, "bad-Pass-424242"},
			run: func(t *testing.T, opts ...Option) []string {
				s := newEnvelopeServer(t, 3)
				s.setFault(always(http.StatusBadRequest))
				s.setFaultBody(echo)
				c := mustClient(t, envelopeSystem(s.srv.URL, 10), envelopeVars(s.srv.URL), opts...)
				_, err1 := c.Get(ctx, "ticket", "1")
				bad := mustClient(t, envelopeSystem(s.srv.URL, 10), testVars(map[string]string{"url": s.srv.URL,
					"user": envUser, "password": "bad-Pass-424242", "tenant": envTenant}), opts...)
				_, err2 := bad.Get(ctx, "ticket", "1")
				if !strings.Contains(errText(err2), "Invalid user name or password") {
					t.Errorf("login failure lost its message: %v", err2)
				}
				return []string{errText(err1), errText(err2)}
			},
		},
		{
			name: "oauth2 client secret, access and refresh tokens echoed",
			secrets: []string{wireClientSecret, base64.StdEncoding.EncodeToString([]byte(wireClientID + ":" + wireClientSecret)),
				"at-1-xxxxxxxxxxxx", "at-2-xxxxxxxxxxxx", "rt-1-yyyyyyyyyyyy"},
			run: func(t *testing.T, opts ...Option) []string {
				ts := newTokenService(t)
				ts.refreshOnCC, ts.refuseRefresh = true, true // the refusal echoes the refresh token
				api := newAPIServer(t, ts)
				api.setFault(func(r *http.Request, _ []byte) (int, http.Header) {
					if r.URL.Path == "/v1/things" {
						return http.StatusUnauthorized, nil
					}
					return 0, nil
				})
				api.setFaultBody(echo)
				auth := plan.Auth{Scheme: plan.AuthOAuth2, OAuth2: &plan.OAuth2{TokenURL: "${var.idp}/token",
					ClientID: "${var.client_id}", ClientSecret: "${var.client_secret}", Scopes: []string{"things.read", "things.write"},
					Params: map[string]plan.Template{"audience": "api"}, Credentials: plan.OAuth2CredentialsBasic}}
				c := mustClient(t, wireAuthSystem(auth), wireVars(api.srv.URL, ts.srv.URL), opts...)
				err := listThings(t, c)
				if ts.count("refresh_token") != 1 || ts.count("client_credentials") != 2 {
					t.Errorf("grants %v", ts.grants)
				}
				return []string{errText(err)}
			},
		},
		{
			name:    "secret in a URL of an unreachable host",
			secrets: []string{"url-Secret-5566"},
			run: func(t *testing.T, opts ...Option) []string {
				sys := plan.System{Name: "down", BaseURL: "http://127.0.0.1:1/api?key=${var.k}", Retry: plan.Retry{MaxAttempts: 2},
					Objects: []plan.Object{{Name: "thing", ListPath: "/things", ID: "id"}}}
				c := mustClient(t, sys, testVars(map[string]string{"k": "url-Secret-5566"}, "k"), opts...)
				_, err := c.Get(ctx, "thing", "1")
				return []string{errText(err)}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logger, buf := bufLogger()
			texts := tc.run(t, WithLogger(logger))
			texts = append(texts, buf.String())
			failed := 0
			for _, text := range texts {
				if text == "" {
					continue
				}
				for _, secret := range tc.secrets {
					if strings.Contains(text, secret) {
						t.Errorf("secret %q leaked in: %s", secret, text)
					}
				}
				if strings.Contains(text, redactedMark) || strings.Contains(text, "refused") || strings.Contains(text, "HTTP") {
					failed++
				}
			}
			if failed == 0 {
				t.Errorf("no failure text was produced: %q", texts)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + " | " + fmt.Sprintf("%+v", err)
}

func TestRedactorForms(t *testing.T) {
	r := newRedactor()
	r.add("p@ss w/\"rd", "abc") // "abc" is too short to redact safely
	in := `raw p@ss w/"rd json p@ss w/\"rd query p%40ss+w%2F%22rd b64 ` + base64.StdEncoding.EncodeToString([]byte(`p@ss w/"rd`)) + ` abc`
	out := r.redact(in)
	if strings.Contains(out, "p@ss") || strings.Contains(out, "p%40ss") || strings.Contains(out, "cEBzcy") || !strings.HasSuffix(out, "abc") {
		t.Errorf("redacted = %s", out)
	}
}
