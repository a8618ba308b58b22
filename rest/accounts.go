package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// accountsHandler serves a customer's members, locations and API keys
// below /customers/{id}, and /me.
type accountsHandler struct {
	svc  *accounts.Service
	errs errorWriter
}

// customerRoutes are mounted inside /customers.
func (h *accountsHandler) customerRoutes(r chi.Router) {
	r.Get("/{id}/members", h.listMembers)
	r.Post("/{id}/members", h.inviteMember)
	r.Patch("/{id}/members/{memberID}", h.updateMember)
	r.Delete("/{id}/members/{memberID}", h.removeMember)
	r.Get("/{id}/locations", h.listLocations)
	r.Post("/{id}/locations", h.createLocation)
	r.Patch("/{id}/locations/{locationID}", h.updateLocation)
	r.Delete("/{id}/locations/{locationID}", h.archiveLocation)
	r.Get("/{id}/api-keys", h.listKeys)
	r.Post("/{id}/api-keys", h.createKey)
	r.Delete("/{id}/api-keys/{keyID}", h.revokeKey)
}

type memberBody struct {
	ID          int       `json:"id"`
	CustomerID  int       `json:"customer_id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Subject     *string   `json:"subject"`
	LocationIDs []int     `json:"location_ids"`
	CreatedAt   timestamp `json:"created_at"`
}

func memberDTO(m accounts.Member) memberBody {
	return memberBody{ID: m.ID, CustomerID: m.CustomerID, Email: m.Email, Name: m.Name, Role: string(m.Role),
		Subject: m.Subject, LocationIDs: m.LocationIDs, CreatedAt: timestamp(m.CreatedAt)}
}

func memberID(m accounts.Member) int { return m.ID }

type locationBody struct {
	ID         int `json:"id"`
	CustomerID int `json:"customer_id"`
	accounts.Address
	CreatedAt timestamp `json:"created_at"`
}

func locationDTO(l accounts.Location) locationBody {
	return locationBody{ID: l.ID, CustomerID: l.CustomerID, Address: l.Address, CreatedAt: timestamp(l.CreatedAt)}
}

func locationID(l accounts.Location) int { return l.ID }

type keyBody struct {
	ID          int            `json:"id"`
	CustomerID  int            `json:"customer_id"`
	MemberID    *int           `json:"member_id"`
	CreatedBy   services.Actor `json:"created_by"`
	Name        string         `json:"name"`
	Role        string         `json:"role"`
	LocationIDs []int          `json:"location_ids"`
	Prefix      string         `json:"prefix"`
	ExpiresAt   *timestamp     `json:"expires_at"`
	LastUsedAt  *timestamp     `json:"last_used_at"`
	CreatedAt   timestamp      `json:"created_at"`
	// Key is the whole key, in the answer that creates it only.
	Key string `json:"key,omitempty"`
}

func keyDTO(k accounts.Key) keyBody {
	return keyBody{ID: k.ID, CustomerID: k.CustomerID, MemberID: k.MemberID, CreatedBy: k.CreatedBy, Name: k.Name,
		Role: string(k.Role), LocationIDs: k.LocationIDs, Prefix: k.Prefix, ExpiresAt: optTime(k.ExpiresAt),
		LastUsedAt: optTime(k.LastUsedAt), CreatedAt: timestamp(k.CreatedAt)}
}

func keyID(k accounts.Key) int { return k.ID }

type meBody struct {
	Role        string      `json:"role"`
	Subject     string      `json:"subject"`
	CustomerID  *int        `json:"customer_id"`
	Access      *string     `json:"access"`
	LocationIDs []int       `json:"location_ids"`
	Member      *memberBody `json:"member"`
	Key         *keyBody    `json:"api_key"`
}

// me: GET /me → 200 who the caller is.
func (h *accountsHandler) me(w http.ResponseWriter, r *http.Request) {
	me, err := h.svc.Me(r.Context())
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	out := meBody{Role: string(me.Role), Subject: me.Subject, LocationIDs: me.Locations}
	if me.IsCustomer() {
		out.CustomerID = &me.CustomerID
		access := string(me.AccessIn())
		out.Access = &access
	}
	if me.Member != nil {
		m := memberDTO(*me.Member)
		out.Member = &m
	}
	if me.Key != nil {
		k := keyDTO(*me.Key)
		out.Key = &k
	}
	web.WriteJSON(w, http.StatusOK, ok(out))
}

// listMembers: GET /customers/{id}/members?cursor&limit → 200 page.
func (h *accountsHandler) listMembers(w http.ResponseWriter, r *http.Request) {
	id, params, err := customerPage(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	p, err := h.svc.ListMembers(r.Context(), id, params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, memberDTO, memberID))
}

// inviteMember: POST /customers/{id}/members {email, name, role,
// subject?, location_ids?} → 201 member.
func (h *accountsHandler) inviteMember(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := accounts.MemberInput{}
	email, name, role := f.Str("email", true), f.Str("name", true), f.Str("role", true)
	in.Subject, in.LocationIDs = f.Str("subject", false), ints(f.Integers("location_ids", false))
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	in.Email, in.Name, in.Role = *email, *name, *role
	m, err := h.svc.InviteMember(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(memberDTO(m)))
}

// updateMember: PATCH /customers/{id}/members/{memberID} {name?, role?,
// location_ids?} → 200 member.
func (h *accountsHandler) updateMember(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	mid, err := subID(r, "memberID", "Invalid member ID")
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := accounts.MemberUpdate{Name: f.Str("name", false), Role: f.Str("role", false)}
	if locs := f.Integers("location_ids", false); locs != nil {
		l := ints(locs)
		in.LocationIDs = &l
	}
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	m, err := h.svc.UpdateMember(r.Context(), id, mid, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(memberDTO(m)))
}

// removeMember: DELETE /customers/{id}/members/{memberID} → 204.
func (h *accountsHandler) removeMember(w http.ResponseWriter, r *http.Request) {
	deleteSub(h.errs, w, r, "memberID", "Invalid member ID", h.svc.RemoveMember)
}

// listLocations: GET /customers/{id}/locations?cursor&limit → 200 page.
func (h *accountsHandler) listLocations(w http.ResponseWriter, r *http.Request) {
	id, params, err := customerPage(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	p, err := h.svc.ListLocations(r.Context(), id, params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, locationDTO, locationID))
}

// createLocation: POST /customers/{id}/locations {name, address_line1,
// address_line2?, city, postal_code, country, tax_id?} → 201 location.
func (h *accountsHandler) createLocation(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := locationInput(f)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	l, err := h.svc.CreateLocation(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(locationDTO(l)))
}

// updateLocation: PATCH /customers/{id}/locations/{locationID} {any
// field of create} → 200 location.
func (h *accountsHandler) updateLocation(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	lid, err := subID(r, "locationID", "Invalid location ID")
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := locationInput(f)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	l, err := h.svc.UpdateLocation(r.Context(), id, lid, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(locationDTO(l)))
}

// archiveLocation: DELETE /customers/{id}/locations/{locationID} → 204.
func (h *accountsHandler) archiveLocation(w http.ResponseWriter, r *http.Request) {
	deleteSub(h.errs, w, r, "locationID", "Invalid location ID", h.svc.ArchiveLocation)
}

// listKeys: GET /customers/{id}/api-keys?cursor&limit → 200 page.
func (h *accountsHandler) listKeys(w http.ResponseWriter, r *http.Request) {
	id, params, err := customerPage(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	p, err := h.svc.ListKeys(r.Context(), id, params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, keyDTO, keyID))
}

// createKey: POST /customers/{id}/api-keys {name, role, location_ids?,
// expires_at?} → 201 key, with the whole key this once.
func (h *accountsHandler) createKey(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	name, role := f.Str("name", true), f.Str("role", true)
	locs := ints(f.Integers("location_ids", false))
	expires := f.Str("expires_at", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := accounts.KeyInput{Name: *name, Role: *role, LocationIDs: locs}
	if expires != nil {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			h.errs.write(w, r, invalid("expires_at", "expires_at must be an RFC 3339 time"))
			return
		}
		in.ExpiresAt = &t
	}
	k, secret, err := h.svc.CreateKey(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	body := keyDTO(k)
	body.Key = secret
	web.WriteJSON(w, http.StatusCreated, ok(body))
}

// revokeKey: DELETE /customers/{id}/api-keys/{keyID} → 204.
func (h *accountsHandler) revokeKey(w http.ResponseWriter, r *http.Request) {
	deleteSub(h.errs, w, r, "keyID", "Invalid API key ID", h.svc.RevokeKey)
}

// deleteSub answers DELETE of a record below a customer with 204.
func deleteSub(ew errorWriter, w http.ResponseWriter, r *http.Request, param, msg string,
	del func(ctx context.Context, customerID, id int) error) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		ew.write(w, r, err)
		return
	}
	sub, err := subID(r, param, msg)
	if err != nil {
		ew.write(w, r, err)
		return
	}
	if err := del(r.Context(), id, sub); err != nil {
		ew.write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func locationInput(f *jsonfields.Fields) accounts.LocationInput {
	return accounts.LocationInput{Name: f.Str("name", false), AddressLine1: f.Str("address_line1", false),
		AddressLine2: f.NullableStr("address_line2"), City: f.Str("city", false), PostalCode: f.Str("postal_code", false),
		Country: f.Str("country", false), TaxID: f.NullableStr("tax_id")}
}

// customerPage reads the customer of the path and a page's query.
func customerPage(r *http.Request) (int, accounts.ListParams, error) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		return 0, accounts.ListParams{}, err
	}
	q := parseQuery(r)
	params := accounts.ListParams{After: q.number("cursor"), Limit: q.number("limit")}
	return id, params, q.err
}

// customerAndBody reads the customer of the path and the JSON body.
func customerAndBody(r *http.Request) (int, *jsonfields.Fields, error) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		return 0, nil, err
	}
	f, err := readObject(r)
	return id, f, err
}

// subID reads a positive id from the path parameter param.
func subID(r *http.Request, param, msg string) (int, error) {
	return idParam(chi.URLParam(r, param), msg)
}

func ints(ns []int64) []int {
	if ns == nil {
		return nil
	}
	out := make([]int, len(ns))
	for i, n := range ns {
		out[i] = clampInt(n)
	}
	return out
}
