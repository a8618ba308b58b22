package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Product is a catalogue entry with its stock.
type Product struct {
	ID         int
	SKU        string
	Name       string
	PriceCents int64
	Stock      int64
	CreatedAt  time.Time
	// Rule is the product's own quantity rule (zero: none), which a
	// price list may replace for its customers.
	Rule QuantityRule
}

// CreateProductInput is a new product.
type CreateProductInput struct {
	SKU        string
	Name       string
	PriceCents int64
	Stock      int64
}

// UpdateProductInput changes the fields that are not nil.
type UpdateProductInput struct {
	SKU        *string
	Name       *string
	PriceCents *int64
	Stock      *int64
	// Rule replaces the product's quantity rule (its ProductID is
	// ignored); a zero rule removes it.
	Rule *QuantityRule
}

// ListProductsParams selects a page of products ordered by id.
type ListProductsParams struct {
	// Search matches products whose sku or name contains it.
	Search string
	After  int
	Limit  int
}

// MaxAmount bounds prices and stock so that totals cannot overflow and
// every amount can be read through GraphQL's 32-bit Int.
const MaxAmount = services.MaxContractInt

// CreateProduct adds a product to the catalogue.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// Invalid with the first failing field; Conflict (sku_taken).
func (s *Service) CreateProduct(ctx context.Context, in CreateProductInput) (Product, error) {
	if err := s.requireManager(ctx); err != nil {
		return Product{}, err
	}
	if err := validateProduct(&in.SKU, &in.Name, &in.PriceCents, &in.Stock); err != nil {
		return Product{}, err
	}
	p, err := s.db.Client.Product.Create().
		SetSku(in.SKU).
		SetName(in.Name).
		SetPriceCents(in.PriceCents).
		SetStock(in.Stock).
		SetCreatedAt(s.stamp()).
		Save(ctx)
	if err != nil {
		return Product{}, translateProduct(err, "create product")
	}
	return productFromEnt(p), nil
}

// GetProduct returns one product.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound.
func (s *Service) GetProduct(ctx context.Context, id int) (Product, error) {
	if _, err := services.PrincipalFrom(ctx); err != nil {
		return Product{}, err
	}
	if id < 1 {
		return Product{}, services.InvalidField("id", services.MsgInvalidProductID)
	}
	p, err := s.db.Client.Product.Get(ctx, id)
	if err != nil {
		return Product{}, translateProduct(err, "get product")
	}
	return productFromEnt(p), nil
}

// GetProducts returns the products among ids, in no particular order;
// missing ids are absent. It is the batch read behind the graph's loaders.
// Errors: Unauthenticated; Internal.
func (s *Service) GetProducts(ctx context.Context, ids []int) ([]Product, error) {
	if _, err := services.PrincipalFrom(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Client.Product.Query().Where(product.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "get products")
	}
	return services.Map(rows, productFromEnt), nil
}

// ListProducts returns one page of products ordered by id.
// Errors: Unauthenticated; Invalid for a search over 255 characters.
func (s *Service) ListProducts(ctx context.Context, params ListProductsParams) (services.Page[Product], error) {
	if _, err := services.PrincipalFrom(ctx); err != nil {
		return services.Page[Product]{}, err
	}
	if err := services.CheckSearch(params.Search); err != nil {
		return services.Page[Product]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	q := s.db.Client.Product.Query().
		Where(product.IDGT(params.After)).
		Order(ent.Asc(product.FieldID)).
		Limit(limit + 1)
	if params.Search != "" {
		// The OR is one predicate, so it stays grouped beside the cursor.
		q.Where(product.Or(product.SkuContainsFold(params.Search), product.NameContainsFold(params.Search)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Product]{}, storeerr.Classify(err, "list products")
	}
	return services.PageOf(rows, limit, productFromEnt), nil
}

// UpdateProduct changes the given fields of a product. Setting stock here
// overwrites it; orders change stock only through their own methods.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// Invalid; NotFound; Conflict (sku_taken).
func (s *Service) UpdateProduct(ctx context.Context, id int, in UpdateProductInput) (Product, error) {
	if err := s.requireManager(ctx); err != nil {
		return Product{}, err
	}
	if id < 1 {
		return Product{}, services.InvalidField("id", services.MsgInvalidProductID)
	}
	if in.SKU == nil && in.Name == nil && in.PriceCents == nil && in.Stock == nil && in.Rule == nil {
		return Product{}, services.InvalidField("", "At least one field must be provided for update")
	}
	if err := validateProduct(in.SKU, in.Name, in.PriceCents, in.Stock); err != nil {
		return Product{}, err
	}
	up := s.db.Client.Product.UpdateOneID(id).
		SetNillableSku(in.SKU).
		SetNillableName(in.Name).
		SetNillablePriceCents(in.PriceCents).
		SetNillableStock(in.Stock)
	if r := in.Rule; r != nil {
		r.ProductID = id
		if err := checkRule("quantity_rule", *r); err != nil {
			return Product{}, err
		}
		up.SetMinQty(r.Min).SetMaxQty(r.Max).SetQtyIncrement(r.Increment)
	}
	p, err := up.Save(ctx)
	if err != nil {
		return Product{}, translateProduct(err, "update product")
	}
	return productFromEnt(p), nil
}

func (s *Service) requireManager(ctx context.Context) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if !p.CanManageCatalogue() {
		return services.ErrPermissionDenied
	}
	return nil
}

// validateProduct checks the fields present in the contract's order.
func validateProduct(sku, name *string, price, stock *int64) error {
	if sku != nil {
		if err := services.CheckLen("sku", *sku, 100, true, "SKU is required", "SKU must be less than 100 characters"); err != nil {
			return err
		}
	}
	if name != nil {
		if err := services.CheckLen("name", *name, 255, true, "Name is required", "Name must be less than 255 characters"); err != nil {
			return err
		}
	}
	if price != nil {
		if *price < 0 {
			return services.InvalidField("price_cents", "Price must be non-negative")
		}
		if *price > MaxAmount {
			return services.InvalidField("price_cents", fmt.Sprintf("Price must be at most %d", MaxAmount))
		}
	}
	if stock != nil {
		if *stock < 0 {
			return services.InvalidField("stock", "Stock must be non-negative")
		}
		if *stock > MaxAmount {
			return services.InvalidField("stock", fmt.Sprintf("Stock must be at most %d", MaxAmount))
		}
	}
	return nil
}

func translateProduct(err error, op string) error {
	switch {
	case ent.IsNotFound(err):
		return ErrProductNotFound
	case isUnique(err):
		return services.Errorf(services.Conflict, services.CodeSKUTaken, "SKU already exists")
	}
	return storeerr.Classify(err, op)
}

func productFromEnt(p *ent.Product) Product {
	return Product{ID: p.ID, SKU: p.Sku, Name: p.Name, PriceCents: p.PriceCents, Stock: p.Stock, CreatedAt: p.CreatedAt.UTC(), Rule: ruleOf(p)}
}
