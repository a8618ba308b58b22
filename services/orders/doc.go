// Package orders owns the product catalogue, stock and orders: creating,
// confirming and cancelling them, and the idempotency keys that make retries
// safe. One file per use case:
//
//	order.go               the Order type, its state machine (the table) and its transitions
//	service.go             Service, its configuration and the customer directory
//	create.go              CreateOrder: parse, authorize, take stock, write (under an optional key)
//	confirm.go             ConfirmOrder, and changeUnderKey that every keyed change runs through
//	cancel.go              CancelOrder, stock, spend and credit given back once; the guarded transition
//	approvals.go           ApproveOrder, RejectOrder, PayOrder, ExpireApprovals, Decisions
//	governance.go          the spend ledger, the credit and the approval rules an order meets,
//	                       with the limits and rules kept by the customer's governance version
//	create_and_confirm.go  CreateAndConfirm, the orchestrator's one transaction, and placing under a key
//	reads.go               GetOrder, ListOrders and the graph's batch reads
//	idempotency.go         keys: their use, lookup, insert, purge
//	catalogue.go           products
//	pricing.go             ResolvePrice, the rule that prices a line (a table), and its types
//	pricelists.go          price lists: staff manage them; Prices shows a customer its own; the lists an order reads, by version
//	outbox.go              the outbox's order events and RelayEvents, which hands them on
//	observer.go            Observer, told what each call did once it committed (metrics)
//	tx.go                  the transaction helper and its retry bound
//
// Besides the errors each method lists, every method that reads or writes
// the store may answer Unavailable (the database, or the customers role,
// did not answer) and every write Conflict with code busy (it lost to
// concurrent changes through every attempt of db's retry policy; nothing
// changed, try again).
package orders
