package services

import (
	"math/rand/v2"
	"time"
)

// Period is what a spending limit counts over: a calendar day, an ISO
// week (from Monday) or a calendar month in the customer's time zone, or
// NONE, each order alone.
type Period string

// The periods of a spending limit.
const (
	PeriodDay   Period = "DAY"
	PeriodWeek  Period = "WEEK"
	PeriodMonth Period = "MONTH"
	PeriodNone  Period = "NONE"
)

// ParsePeriod returns the period s names.
// Errors: Invalid for anything but DAY, WEEK, MONTH and NONE.
func ParsePeriod(s string) (Period, error) {
	switch p := Period(s); p {
	case PeriodDay, PeriodWeek, PeriodMonth, PeriodNone:
		return p, nil
	}
	return "", InvalidField("period", "period must be one of DAY, WEEK, MONTH, NONE")
}

// Key names the period that holds t in loc, as the spend ledger keys its
// rows: "DAY:2026-12-07", "WEEK:2026-12-07" (the week's Monday),
// "MONTH:2026-12"; "" for NONE, which keeps no ledger.
func (p Period) Key(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	switch p {
	case PeriodDay:
		return "DAY:" + t.Format(time.DateOnly)
	case PeriodWeek:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return "WEEK:" + t.AddDate(0, 0, -back).Format(time.DateOnly)
	case PeriodMonth:
		return "MONTH:" + t.Format("2006-01")
	}
	return ""
}

// CheckAmountCents checks a limit in cents: 0 to MaxContractInt, what
// every order total is bounded by.
// Errors: Invalid naming field.
func CheckAmountCents(field string, cents int64) error {
	if cents < 0 || cents > MaxContractInt {
		return InvalidField(field, field+" must be between 0 and 2147483647")
	}
	return nil
}

// LoadTimeZone returns the IANA time zone named name.
// Errors: Invalid for a name the time zone database does not know.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, InvalidField("time_zone", "time_zone must be an IANA time zone such as Europe/Berlin")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, InvalidField("time_zone", "time_zone must be an IANA time zone such as Europe/Berlin")
	}
	return loc, nil
}

// NewVersion is a new version of something processes keep by version
// (a customer's limits and rules, the price lists): random, so that no
// version comes back after a restore of the database to a value a
// process kept for other contents; 0 is the version before any change.
func NewVersion() int64 {
	for {
		if v := rand.Int64(); v != 0 {
			return v
		}
	}
}
