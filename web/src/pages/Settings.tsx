import { useEffect, useState } from 'react';
import { notificationPreferences, users } from '../api/endpoints.ts';
import { ROLES, type Role, type User } from '../api/types.ts';
import { useAuth, useUser } from '../auth/AuthContext.tsx';
import { can, ROLE_DESCRIPTIONS } from '../auth/permissions.ts';
import { Icon } from '../components/Icon.tsx';
import {
  DefaultsEditor,
  OtherUserPreferences,
  PreferencesEditor,
  ProfileForm,
} from '../components/NotificationSettings.tsx';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, PageHeader } from '../components/ui.tsx';
import { useResource, useTitle } from '../lib/hooks.ts';

export default function Settings() {
  useTitle('Settings');
  const user = useUser();
  const { signOut } = useAuth();
  const toast = useToast();

  useEffect(() => {
    const hash = window.location.hash.slice(1);
    if (hash === 'profile' || hash === 'notifications') document.getElementById(hash)?.scrollIntoView();
  }, []);

  return (
    <>
      <PageHeader title="Settings" />
      <section id="profile" className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl className="facts">
          <div>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </div>
          <div>
            <dt>Roles</dt>
            <dd>{user.roles.join(', ') || 'none'}</dd>
          </div>
        </dl>
        <ul className="role-list">
          {user.roles.map((r) => (
            <li key={r}>
              <strong>{r}</strong>: {ROLE_DESCRIPTIONS[r]}
            </li>
          ))}
        </ul>
        <ProfileForm user={user} />
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            signOut();
            toast.success('Signed out');
          }}
        >
          <Icon name="logout" /> Sign out
        </button>
      </section>
      <section id="notifications" className="card" aria-labelledby="notifications-title">
        <h2 id="notifications-title">Notifications</h2>
        <p className="muted">
          Choose how each alert reaches you: email, SMS (needs a phone number above) or in-app (the bell).
          Unticked boxes follow the default for your role until you change them.
        </p>
        <PreferencesEditor load={notificationPreferences.mine} save={notificationPreferences.putMine} />
      </section>
      {can(user, 'notifications:defaults') ? (
        <>
          <section className="card" aria-labelledby="defaults-title">
            <h2 id="defaults-title">Notification defaults</h2>
            <p className="muted">
              Who receives each alert type when they have not chosen otherwise, and over which channels.
            </p>
            <DefaultsEditor />
          </section>
          <section className="card" aria-labelledby="others-title">
            <h2 id="others-title">Another user's notifications</h2>
            <OtherUserPreferences self={user} />
          </section>
        </>
      ) : null}
      {can(user, 'users:manage') ? <UsersAdmin self={user} /> : null}
    </>
  );
}

function UsersAdmin({ self }: { self: User }) {
  const list = useResource(() => users.list(), []);
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users and roles</h2>
      {list.error && !list.data ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      {list.loading && !list.data ? <Loading label="Loading users…" /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table className="table table-cards-on-phone">
            <caption className="sr-only">Users and their roles</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Roles</th>
                <th scope="col">
                  <span className="sr-only">Save</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((u) => (
                <UserRow
                  key={`${u.id}-${u.roles.join()}`}
                  user={u}
                  self={self}
                  onSaved={() => void list.reload()}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function UserRow({ user, self, onSaved }: { user: User; self: User; onSaved(): void }) {
  const toast = useToast();
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [busy, setBusy] = useState(false);
  const changed = [...roles].sort().join() !== [...user.roles].sort().join();
  const isSelf = user.id === self.id;

  const save = async () => {
    if (isSelf && !roles.includes('admin')) {
      toast.warning('You cannot remove your own admin role.');
      return;
    }
    setBusy(true);
    try {
      await users.setRoles(user.id, roles);
      toast.success(`Roles of ${user.email} saved`);
      onSaved();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr>
      <td data-label="User">
        <strong>{user.name}</strong>
        <div className="muted">{user.email}</div>
      </td>
      <td data-label="Roles">
        <fieldset className="role-checks">
          <legend className="sr-only">Roles of {user.email}</legend>
          {ROLES.map((r) => (
            <label key={r} className="checkbox" title={ROLE_DESCRIPTIONS[r]}>
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) =>
                  setRoles((rs) => (e.target.checked ? [...rs, r] : rs.filter((x) => x !== r)))
                }
              />
              {r}
            </label>
          ))}
        </fieldset>
      </td>
      <td data-label="">
        <button
          type="button"
          className="button button-primary"
          disabled={!changed || busy}
          onClick={() => void save()}
        >
          {busy ? 'Saving…' : `Save roles of ${user.name || user.email}`}
        </button>
      </td>
    </tr>
  );
}
