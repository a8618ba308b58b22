// Package accounts owns what a customer (a company) holds besides its
// record: its members, each with a role and optionally limited to some of
// its locations; its locations (ship-to sites); and its API keys. It also
// answers the authenticator's questions (which member a token's subject
// is, which key a secret is), so that a removed member or a revoked key
// stops working everywhere.
//
// Who may do what, as services.Principal decides it:
//
//	| call                         | staff, admin | customer admin | buyer, approver, viewer |
//	|------------------------------|--------------|----------------|-------------------------|
//	| list members, locations      | any customer | own customer   | own customer            |
//	| invite, update, remove member| any customer | own customer   | no                      |
//	| create, update, archive loc. | any customer | own customer   | no                      |
//	| list, revoke API keys        | any customer | own customer   | own keys                |
//	| create API key               | any role     | any role       | a role within its own   |
//
// A role or location limit given to a member or key is never above the
// giver's: CodeRoleAboveCreator. Another customer's members, locations
// and keys are NotFound, never PermissionDenied, so that ids reveal
// nothing. Besides the errors each method lists, any method may answer
// Unavailable and a write Conflict (busy), as the other services do.
//
// Files: doc.go (this map), service.go (Service, Config, shared checks),
// members.go, locations.go, keys.go, identity.go (the authenticator's
// lookups).
package accounts
