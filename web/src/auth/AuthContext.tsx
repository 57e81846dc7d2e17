import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { apiEvents, getToken, setToken } from '../api/client.ts';
import { auth } from '../api/endpoints.ts';
import type { User } from '../api/types.ts';

const USER_KEY = 'azura.user';

interface AuthState {
  user: User | null;
  /** True while a stored token is being checked on start. */
  checking: boolean;
  signIn(email: string, password: string): Promise<User>;
  signOut(reason?: 'expired'): void;
  /** The signed-in user as the server answered a change of their profile. */
  updateUser(user: User): void;
  /** Why the last sign-out happened, for the sign-in page to say. */
  signedOutReason: 'expired' | null;
}

const AuthContext = createContext<AuthState | null>(null);

function storedUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw && getToken() ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

function storeUser(user: User | null): void {
  try {
    if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
    else localStorage.removeItem(USER_KEY);
  } catch {
    // No storage: the session lasts as long as the page.
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(storedUser);
  const [checking, setChecking] = useState<boolean>(() => Boolean(getToken()));
  const [signedOutReason, setSignedOutReason] = useState<'expired' | null>(null);

  const signOut = useCallback((reason?: 'expired') => {
    setToken(null);
    storeUser(null);
    setUser(null);
    setSignedOutReason(reason ?? null);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const { token, user: signedIn } = await auth.login(email, password);
    setToken(token);
    storeUser(signedIn);
    setUser(signedIn);
    setSignedOutReason(null);
    return signedIn;
  }, []);

  const updateUser = useCallback((changed: User) => {
    storeUser(changed);
    setUser(changed);
  }, []);

  // Any 401 from the API means the token is gone or expired: back to sign-in.
  useEffect(() => {
    const onUnauthorized = () => signOut('expired');
    apiEvents.addEventListener('unauthorized', onUnauthorized);
    return () => apiEvents.removeEventListener('unauthorized', onUnauthorized);
  }, [signOut]);

  // A stored token is checked once on start (roles may have changed since).
  useEffect(() => {
    if (!getToken()) return;
    let live = true;
    auth
      .me()
      .then((me) => {
        if (!live) return;
        storeUser(me);
        setUser(me);
      })
      .catch(() => undefined)
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, []);

  const value = useMemo(
    () => ({ user, checking, signIn, signOut, updateUser, signedOutReason }),
    [user, checking, signIn, signOut, updateUser, signedOutReason],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside <AuthProvider>');
  return state;
}

/** The signed-in user; only for pages behind the sign-in guard. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}
