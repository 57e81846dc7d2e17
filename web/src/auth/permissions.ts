import type { Role, User } from '../api/types.ts';

/**
 * What each role may do in the UI. The server enforces the same rules (its route × role table,
 * lib/permissions.ts); this only decides which buttons to show.
 */
export type Permission =
  | 'products:edit' // create, edit, delete products, upload images
  | 'stock:move' // adjust, count, receive, transfer
  | 'users:manage'
  | 'purchasing:manage' // suppliers, supplier items, reorder rules; create and cancel purchase orders
  | 'purchasing:approve' // approve or reject a purchase order waiting for approval
  | 'purchasing:receive' // book a delivery against a purchase order
  | 'suppliers:rotate-secret' // a supplier's webhook signing secret
  | 'thresholds:edit' // a product's and a location's reorder point and safety stock
  | 'notifications:log' // the delivery log and what each delivery sent
  | 'notifications:defaults'; // default recipients and channels per alert type, others' preferences

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [
    'products:edit',
    'stock:move',
    'users:manage',
    'purchasing:manage',
    'purchasing:approve',
    'purchasing:receive',
    'suppliers:rotate-secret',
    'thresholds:edit',
    'notifications:log',
    'notifications:defaults',
  ],
  manager: [
    'products:edit',
    'stock:move',
    'purchasing:manage',
    'purchasing:approve',
    'purchasing:receive',
    'thresholds:edit',
    'notifications:log',
  ],
  warehouse: ['stock:move', 'purchasing:receive'],
  viewer: [],
};

export function can(user: Pick<User, 'roles'> | null | undefined, permission: Permission): boolean {
  return Boolean(user?.roles.some((role) => GRANTS[role]?.includes(permission)));
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Everything, including users, settings and suppliers’ signing secrets',
  manager:
    'Products, stock, orders, reports, thresholds; suppliers, reorder rules, purchase orders and their approval',
  warehouse:
    'View products and stock; adjustments, counts, receipts (also against purchase orders), transfers',
  viewer: 'Read-only',
};
