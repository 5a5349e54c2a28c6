package posthog

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// DeletionStatus is one AsyncDeletion row: it tracks event deletion only
// (docs/dev/posthog-behaviour.md#deletion-status).
type DeletionStatus struct {
	PersonUUID, Status, CreatedAt, DeleteVerifiedAt string // DeleteVerifiedAt "" when null
}

// DeletionStatusOptions filter deletion_status. Status is "", "all",
// "pending" or "completed"; Limit is the page size (0 → 100).
type DeletionStatusOptions struct {
	Status     string
	PersonUUID string
	Limit      int
}

// maxDeletionStatusPages guards against a server that never stops paging.
const maxDeletionStatusPages = 100000

// ListDeletionStatus reads every deletion_status row, following DRF limit/offset
// pagination (docs/dev/posthog-behaviour.md#pagination). It pages with its own
// limit/offset rather than PostHog's absolute next URL, so it never sends the key
// to another host.
func (c *Client) ListDeletionStatus(ctx context.Context, projectID int64, opts DeletionStatusOptions) ([]DeletionStatus, error) {
	switch opts.Status {
	case "", "all", "pending", "completed":
	default:
		return nil, fmt.Errorf("posthog: deletion status filter %q must be all, pending or completed", opts.Status)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 100
	}
	path := endpointDeletionStatus.at(projectID, "")
	var out []DeletionStatus
	offset := 0
	for page := 0; page < maxDeletionStatusPages; page++ {
		q := url.Values{}
		if opts.Status != "" {
			q.Set("status", opts.Status)
		}
		if opts.PersonUUID != "" {
			q.Set("person_uuid", opts.PersonUUID)
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset))
		var w struct {
			Count   *int    `json:"count"`
			Next    *string `json:"next"`
			Results []struct {
				PersonUUID       *string `json:"person_uuid"`
				CreatedAt        *string `json:"created_at"`
				Status           *string `json:"status"`
				DeleteVerifiedAt *string `json:"delete_verified_at"`
			} `json:"results"`
		}
		if _, err := c.do(ctx, endpointDeletionStatus, path, q, nil, &w); err != nil {
			return nil, err
		}
		for _, r := range w.Results {
			out = append(out, DeletionStatus{
				PersonUUID:       deref(r.PersonUUID),
				Status:           deref(r.Status),
				CreatedAt:        deref(r.CreatedAt),
				DeleteVerifiedAt: deref(r.DeleteVerifiedAt),
			})
		}
		offset += len(w.Results)
		if w.Next == nil || *w.Next == "" || len(w.Results) == 0 || (w.Count != nil && offset >= *w.Count) {
			return out, nil
		}
	}
	return nil, fmt.Errorf("GET %s: gave up after %d pages", path, maxDeletionStatusPages)
}
