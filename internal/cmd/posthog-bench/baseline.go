package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// naiveDelete is the baseline: what a hand-written script does with the
// REST API. For every distinct id, one after the other, it looks the person
// up with GET /persons/?distinct_id= and deletes it with DELETE /persons/:uuid/.
// It returns how many persons it deleted.
func naiveDelete(ctx context.Context, host string, ids []string) (int, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	base := host + "/api/projects/" + projectID + "/persons/"
	call := func(method, u string, out any) error {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, body)
		}
		if out != nil {
			return json.Unmarshal(body, out)
		}
		return nil
	}
	deleted := 0
	for _, id := range ids {
		var page struct {
			Results []struct {
				ID   any    `json:"id"`
				UUID string `json:"uuid"`
			} `json:"results"`
		}
		if err := call(http.MethodGet, base+"?distinct_id="+url.QueryEscape(id), &page); err != nil {
			return deleted, err
		}
		for _, p := range page.Results {
			uuid := p.UUID
			if s, ok := p.ID.(string); ok && uuid == "" {
				uuid = s
			}
			if uuid == "" {
				continue
			}
			if err := call(http.MethodDelete, base+url.PathEscape(uuid)+"/", nil); err != nil {
				return deleted, err
			}
			deleted++
		}
	}
	return deleted, nil
}
