import { z } from 'zod';
import { ROLES } from '../../lib/permissions.ts';

/** Sign-in and users: what the dashboard and other services may see of identity. */
export const roleSchema = z.enum(ROLES).meta({ id: 'Role' });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    roles: z.array(roleSchema),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const loginBodySchema = z
  .object({
    email: z.email().max(254),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'LoginRequest' });

export const loginResultSchema = z
  .object({
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`' }),
    expiresAt: z.iso.datetime(),
    user: userSchema,
  })
  .meta({ id: 'LoginResult' });
export type LoginResult = z.infer<typeof loginResultSchema>;

export const userPageSchema = z.object({ items: z.array(userSchema) }).meta({ id: 'UserList' });

export const setRolesBodySchema = z
  .object({ roles: z.array(roleSchema).min(1, 'a user needs at least one role') })
  .meta({ id: 'SetRoles' });
