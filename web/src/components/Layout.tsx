import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth, useUser } from '../auth/AuthContext.tsx';
import { can, type Permission } from '../auth/permissions.ts';
import { PHONE_QUERY, useMediaQuery } from '../lib/hooks.ts';
import { AlertsBell } from './Alerts.tsx';
import { Icon, type IconName } from './Icon.tsx';
import { Logo } from './Logo.tsx';
import { useToast } from './Toasts.tsx';

export interface Section {
  to: string;
  label: string;
  icon: IconName;
  /** Pages under the section, listed below it in the sidebar. */
  pages?: SectionPage[];
  /** Shown only to users who have it. */
  permission?: Permission;
}

export interface SectionPage {
  to: string;
  label: string;
  /** Shown only to users who have it. */
  permission?: Permission;
}

/** The purchasing pages: in the sidebar under Purchasing, and as tabs on each of them. */
export const PURCHASING_PAGES: SectionPage[] = [
  { to: '/purchasing/orders', label: 'Purchase orders' },
  { to: '/purchasing/suppliers', label: 'Suppliers' },
  { to: '/purchasing/reorder-rules', label: 'Reorder rules' },
  { to: '/purchasing/suggestions', label: 'Reorder suggestions', permission: 'thresholds:edit' },
];

const visiblePages = (pages: SectionPage[], user: Parameters<typeof can>[0]) =>
  pages.filter((p) => !p.permission || can(user, p.permission));

export const SECTIONS: Section[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard' },
  { to: '/inventory', label: 'Inventory', icon: 'inventory' },
  { to: '/orders', label: 'Orders', icon: 'orders' },
  { to: '/purchasing', label: 'Purchasing', icon: 'truck', pages: PURCHASING_PAGES },
  { to: '/reports', label: 'Reports', icon: 'reports' },
  { to: '/settings', label: 'Settings', icon: 'settings' },
];

/** In the sidebar after the sections: the caller's alerts, and the delivery log for managers. */
export const NOTIFICATION_SECTIONS: Section[] = [
  { to: '/alerts', label: 'Alerts', icon: 'bell' },
  {
    to: '/notifications/deliveries',
    label: 'Delivery log',
    icon: 'mail',
    permission: 'notifications:log',
  },
];

const SIDEBAR_KEY = 'azura.sidebar';

/** The page frame: header, collapsible sidebar, main content, footer. */
export function Layout() {
  const phone = useMediaQuery(PHONE_QUERY);
  // Below 1150 px the sidebar starts as icons (the table needs the room), unless the user chose.
  const narrow = useMediaQuery('(max-width: 1150px)');
  const [choice, setChoice] = useState(() => localStorage.getItem(SIDEBAR_KEY));
  const collapsed = choice ? choice === 'collapsed' : narrow;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();

  // Navigating closes the phone drawer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(() => setDrawerOpen(false), [location.pathname]);

  const toggleCollapsed = () => {
    const next = collapsed ? 'expanded' : 'collapsed';
    localStorage.setItem(SIDEBAR_KEY, next);
    setChoice(next);
  };

  const sidebarVisible = phone ? drawerOpen : true;
  const sidebarCollapsed = !phone && collapsed;

  return (
    <div className={`app${sidebarCollapsed ? ' app-sidebar-collapsed' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Header phone={phone} drawerOpen={drawerOpen} onToggleDrawer={() => setDrawerOpen((o) => !o)} />
      <div className="app-body">
        {sidebarVisible ? (
          <Sidebar
            collapsed={sidebarCollapsed}
            phone={phone}
            onToggle={phone ? () => setDrawerOpen(false) : toggleCollapsed}
          />
        ) : null}
        <main id="main" className="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
      <Footer />
    </div>
  );
}

function Header({
  phone,
  drawerOpen,
  onToggleDrawer,
}: {
  phone: boolean;
  drawerOpen: boolean;
  onToggleDrawer: () => void;
}) {
  return (
    <header className="header">
      {phone ? (
        <button
          type="button"
          className="icon-button header-menu"
          onClick={onToggleDrawer}
          aria-expanded={drawerOpen}
          aria-controls="sidebar"
          aria-label={drawerOpen ? 'Close menu' : 'Open menu'}
          title={drawerOpen ? 'Close menu' : 'Open menu'}
        >
          <Icon name={drawerOpen ? 'close' : 'menu'} />
        </button>
      ) : null}
      <Link to="/" className="header-logo" aria-label="Azura Inventory, dashboard">
        <Logo />
      </Link>
      {phone ? null : (
        <nav className="header-nav" aria-label="Main">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.to}>
                <NavLink to={s.to} end={s.to === '/'}>
                  {s.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div className="header-actions">
        <AlertsBell />
        <UserMenu />
      </div>
    </header>
  );
}

function UserMenu() {
  const user = useUser();
  const { signOut } = useAuth();
  const toast = useToast();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        const items = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
        const at = items.indexOf(document.activeElement as HTMLElement);
        const next =
          event.key === 'ArrowDown' ? (at + 1) % items.length : (at - 1 + items.length) % items.length;
        items[next]?.focus();
        event.preventDefault();
      }
    };
    const onClick = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const initials = (user.name || user.email)
    .split(/[\s@.]+/)
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join('');

  return (
    <div className="user-menu">
      <button
        ref={buttonRef}
        type="button"
        className="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="user-menu"
        aria-label={`Account: ${user.name || user.email}`}
        title={`Account: ${user.name || user.email}`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="avatar" aria-hidden="true" data-initials={initials} />
        <span className="user-name">{user.name || user.email}</span>
      </button>
      {open ? (
        <div id="user-menu" className="menu" role="menu" aria-label="Account" ref={menuRef}>
          <div className="menu-header" role="none">
            <strong>{user.name}</strong>
            <span className="muted">{user.email}</span>
            <span className="muted">{user.roles.join(', ')}</span>
          </div>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false);
              navigate('/settings#profile');
            }}
          >
            <Icon name="user" /> Profile
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false);
              navigate('/help');
            }}
          >
            <Icon name="help" /> Help
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              signOut();
              toast.success('Signed out');
            }}
          >
            <Icon name="logout" /> Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}

function Sidebar({
  collapsed,
  phone,
  onToggle,
}: {
  collapsed: boolean;
  phone: boolean;
  onToggle: () => void;
}) {
  const user = useUser();
  const items: Section[] = [
    ...SECTIONS,
    ...NOTIFICATION_SECTIONS.filter((s) => !s.permission || can(user, s.permission)),
    { to: '/help', label: 'Help', icon: 'help' },
  ];
  return (
    <nav id="sidebar" className={`sidebar${collapsed ? ' sidebar-collapsed' : ''}`} aria-label="Sections">
      <ul>
        {items.map((s) => (
          <li key={s.to}>
            <NavLink
              to={s.to}
              end={s.to === '/'}
              title={collapsed ? s.label : undefined}
              aria-label={collapsed ? s.label : undefined}
            >
              <Icon name={s.icon} />
              <span className="sidebar-label">{s.label}</span>
            </NavLink>
            {s.pages && !collapsed ? (
              <ul className="sidebar-pages" aria-label={s.label}>
                {visiblePages(s.pages, user).map((page) => (
                  <li key={page.to}>
                    <NavLink to={page.to}>{page.label}</NavLink>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
      {phone ? null : (
        <button
          type="button"
          className="icon-button sidebar-toggle"
          onClick={onToggle}
          aria-expanded={!collapsed}
          aria-controls="sidebar"
          aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
          title={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
        >
          <Icon name={collapsed ? 'chevronRight' : 'chevronLeft'} />
        </button>
      )}
    </nav>
  );
}

/** The tabs of the purchasing pages (the sidebar lists them too, but not when collapsed or on a phone). */
export function PurchasingNav() {
  const user = useUser();
  return (
    <nav className="subnav" aria-label="Purchasing">
      <ul>
        {visiblePages(PURCHASING_PAGES, user).map((page) => (
          <li key={page.to}>
            <NavLink to={page.to}>{page.label}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Footer() {
  return (
    <footer className="footer">
      <nav aria-label="Company">
        <ul>
          <li>
            <Link to="/about">About Us</Link>
          </li>
          <li>
            <Link to="/contact">Contact</Link>
          </li>
          <li>
            <Link to="/privacy">Privacy Policy</Link>
          </li>
          <li>
            <Link to="/terms">Terms of Service</Link>
          </li>
        </ul>
      </nav>
      <p>© 2024 Azura E-commerce Platform</p>
    </footer>
  );
}

/** The frame of public pages (sign-in, footer pages) when nobody is signed in. */
export function PublicLayout() {
  return (
    <div className="app app-public">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="header">
        <Link to="/" className="header-logo" aria-label="Azura Inventory, home">
          <Logo />
        </Link>
        <Link to="/sign-in" className="button button-secondary header-signin">
          Sign in
        </Link>
      </header>
      <main id="main" className="main main-public" tabIndex={-1}>
        <Outlet />
      </main>
      <Footer />
    </div>
  );
}
