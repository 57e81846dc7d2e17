import type { Role, User } from '../api/types.ts';

/**
 * What each role may do in the UI. The server enforces the same rules (its route × role table);
 * this only decides which buttons to show.
 */
export type Permission =
  | 'products:edit' // create, edit, delete products, upload images
  | 'stock:move' // adjust, count, receive, transfer
  | 'users:manage';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['products:edit', 'stock:move', 'users:manage'],
  manager: ['products:edit', 'stock:move'],
  warehouse: ['stock:move'],
  viewer: [],
};

export function can(user: Pick<User, 'roles'> | null | undefined, permission: Permission): boolean {
  return Boolean(user?.roles.some((role) => GRANTS[role]?.includes(permission)));
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Everything, including users and settings',
  manager: 'Products, stock, orders, reports, thresholds, purchase-order approval',
  warehouse: 'View products and stock; adjustments, counts, receipts, transfers',
  viewer: 'Read-only',
};
