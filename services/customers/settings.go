package customers

import (
	"context"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/services"
)

// Settings are a customer's rules for its orders.
type Settings struct {
	// PONumberRequired refuses orders without a PO number.
	PONumberRequired bool
	// PONumberUnique refuses a PO number another of its orders that is
	// not canceled has.
	PONumberUnique bool
	// PaymentTerms are copied onto each order it places; nil: none.
	PaymentTerms *services.PaymentTerms
	// TimeZone (IANA) is where its spending periods begin and end.
	TimeZone string
	// CreditLimitCents caps its exposure (confirmed orders not yet paid);
	// nil: no limit.
	CreditLimitCents *int64
}

// SettingsUpdate changes the settings that are not nil. PaymentTerms ""
// removes the customer's terms.
type SettingsUpdate struct {
	PONumberRequired *bool
	PONumberUnique   *bool
	PaymentTerms     *string
	TimeZone         *string
	// CreditLimitCents sets the credit limit; ClearCreditLimit removes it.
	CreditLimitCents *int64
	ClearCreditLimit bool
}

// GetSettings returns a live customer's settings.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound, also for
// another customer's.
func (s *Service) GetSettings(ctx context.Context, id int) (Settings, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Settings{}, err
	}
	if id < 1 {
		return Settings{}, services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	if !p.CanActFor(id) {
		return Settings{}, errNotFound
	}
	c, err := s.db.Client.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Only(ctx)
	if err != nil {
		return Settings{}, translate(err, "get settings")
	}
	return settingsOf(c), nil
}

// UpdateSettings changes a live customer's settings. The PO number rules
// and the time zone are the customer's own (its admins or staff change
// them); payment terms and the credit limit are agreed with the seller, so
// staff alone set them.
// Errors: Unauthenticated; Invalid (nothing to change, bad terms, an
// unknown time zone, a limit below 0 or above 2147483647, a limit both
// given and cleared); NotFound, also
// for another customer's; PermissionDenied for a member that is not the
// customer's admin, and for a customer principal setting payment terms or
// the credit limit.
func (s *Service) UpdateSettings(ctx context.Context, id int, in SettingsUpdate) (Settings, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Settings{}, err
	}
	if id < 1 {
		return Settings{}, services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	if in.PONumberRequired == nil && in.PONumberUnique == nil && in.PaymentTerms == nil && in.TimeZone == nil &&
		in.CreditLimitCents == nil && !in.ClearCreditLimit {
		return Settings{}, services.InvalidField("", "At least one field must be provided for update")
	}
	if in.CreditLimitCents != nil && in.ClearCreditLimit {
		return Settings{}, services.InvalidField("credit_limit_cents", "Give a credit limit or clear it, not both")
	}
	if in.TimeZone != nil {
		if _, err := services.LoadTimeZone(*in.TimeZone); err != nil {
			return Settings{}, err
		}
	}
	if in.CreditLimitCents != nil {
		if err := services.CheckAmountCents("credit_limit_cents", *in.CreditLimitCents); err != nil {
			return Settings{}, err
		}
	}
	staffOnly := in.PaymentTerms != nil || in.CreditLimitCents != nil || in.ClearCreditLimit
	var terms *services.PaymentTerms
	if in.PaymentTerms != nil && *in.PaymentTerms != "" {
		t, err := services.ParsePaymentTerms(*in.PaymentTerms)
		if err != nil {
			return Settings{}, err
		}
		terms = &t
	}
	if !p.CanActFor(id) {
		return Settings{}, errNotFound
	}
	if !p.CanManageAccount(id) || staffOnly && p.IsCustomer() {
		return Settings{}, services.ErrPermissionDenied
	}
	var out Settings
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		c, err := tx.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Only(ctx)
		if err != nil {
			return err
		}
		up := c.Update().SetNillablePoNumberRequired(in.PONumberRequired).SetNillablePoNumberUnique(in.PONumberUnique)
		switch {
		case terms != nil:
			up.SetPaymentTerms(string(*terms))
		case in.PaymentTerms != nil:
			up.ClearPaymentTerms()
		}
		up.SetNillableTimeZone(in.TimeZone).SetNillableCreditLimitCents(in.CreditLimitCents)
		if in.ClearCreditLimit {
			up.ClearCreditLimitCents()
		}
		if c, err = up.Save(ctx); err != nil {
			return err
		}
		out = settingsOf(c)
		return nil
	})
	return out, translate(err, "update settings")
}

func settingsOf(c *ent.Customer) Settings {
	out := Settings{PONumberRequired: c.PoNumberRequired, PONumberUnique: c.PoNumberUnique, TimeZone: c.TimeZone,
		CreditLimitCents: c.CreditLimitCents}
	if c.PaymentTerms != nil {
		t := services.PaymentTerms(*c.PaymentTerms)
		out.PaymentTerms = &t
	}
	return out
}
