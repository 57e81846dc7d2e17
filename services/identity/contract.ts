import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { ROLES } from '../../lib/permissions.ts';

/** Sign-in and users: what the dashboard and other services may see of identity. */
export const roleSchema = z.enum(ROLES).meta({ id: 'Role' });

/** A phone number in E.164 form: +, country code, number, no spaces (e.g. +33612345678). */
export const phoneSchema = z
  .string()
  .regex(
    /^\+[1-9]\d{6,14}$/,
    'a phone number in international form: + then 7 to 15 digits, e.g. +33612345678',
  )
  .meta({ example: '+33612345678' });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    roles: z.array(roleSchema),
    phone: phoneSchema
      .optional()
      .meta({ description: 'For SMS alerts (opt-in in notification preferences)' }),
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

export const updateMeBodySchema = z
  .object({
    name: z.string().trim().min(1, 'a name is needed').max(100).optional(),
    /** `null` removes the phone number. */
    phone: phoneSchema.nullable().optional(),
  })
  .meta({ id: 'UpdateMe' });

/**
 * A user as other services may know them (e.g. notifications, to reach them): published on every
 * change of name, roles, phone or status, and when a user is first seen. `version` increases on
 * every change: consumers ignore versions older than what they hold.
 */
export const UserChanged = defineEvent(
  'UserChanged',
  1,
  z.object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    roles: z.array(roleSchema),
    phone: phoneSchema.optional(),
    status: z.enum(['active', 'disabled']),
    version: z.number().int().positive(),
  }),
);

export const identityEvents = [UserChanged] as const;
