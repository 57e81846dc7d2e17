import { lazy, type ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth/AuthContext.tsx';
import { Layout, PublicLayout } from './components/Layout.tsx';
import { ToastProvider } from './components/Toasts.tsx';
import { Loading } from './components/ui.tsx';
import { SignIn } from './pages/SignIn.tsx';

// Pages load on first visit: the sign-in page stays small.
const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const Inventory = lazy(() => import('./pages/Inventory.tsx'));
const ProductDetail = lazy(() => import('./pages/ProductDetail.tsx'));
const ProductEdit = lazy(() => import('./pages/ProductEdit.tsx'));
const Orders = lazy(() => import('./pages/Orders.tsx'));
const OrderDetail = lazy(() => import('./pages/OrderDetail.tsx'));
const PurchaseOrders = lazy(() => import('./pages/PurchaseOrders.tsx'));
const PurchaseOrderDetail = lazy(() => import('./pages/PurchaseOrderDetail.tsx'));
const Suppliers = lazy(() => import('./pages/Suppliers.tsx'));
const SupplierDetail = lazy(() => import('./pages/SupplierDetail.tsx'));
const ReorderRules = lazy(() => import('./pages/ReorderRules.tsx'));
const ReorderSuggestions = lazy(() => import('./pages/ReorderSuggestions.tsx'));
const Reports = lazy(() => import('./pages/Reports.tsx'));
const Settings = lazy(() => import('./pages/Settings.tsx'));
const Alerts = lazy(() => import('./pages/Alerts.tsx'));
const DeliveryLog = lazy(() => import('./pages/DeliveryLog.tsx'));
const Help = lazy(() => import('./pages/Help.tsx'));
const InfoPage = lazy(() => import('./pages/InfoPage.tsx'));
const NotFound = lazy(() => import('./pages/NotFound.tsx'));

/** Pages behind sign-in: without a user, go to /sign-in and come back after. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user)
    return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return children;
}

/** The footer's pages are public: in the app frame when signed in, a plain one otherwise. */
function AnyFrame() {
  const { user } = useAuth();
  return user ? <Layout /> : <PublicLayout />;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Dashboard />} />
          <Route path="inventory" element={<Inventory />} />
          <Route path="products/new" element={<ProductEdit />} />
          <Route path="products/:sku" element={<ProductDetail />} />
          <Route path="products/:sku/edit" element={<ProductEdit />} />
          <Route path="orders" element={<Orders />} />
          <Route path="orders/:orderId" element={<OrderDetail />} />
          <Route path="purchasing" element={<Navigate to="/purchasing/orders" replace />} />
          <Route path="purchasing/orders" element={<PurchaseOrders />} />
          <Route path="purchasing/orders/:id" element={<PurchaseOrderDetail />} />
          <Route path="purchasing/suppliers" element={<Suppliers />} />
          <Route path="purchasing/suppliers/:id" element={<SupplierDetail />} />
          <Route path="purchasing/reorder-rules" element={<ReorderRules />} />
          <Route path="purchasing/suggestions" element={<ReorderSuggestions />} />
          <Route path="reports" element={<Reports />} />
          <Route path="alerts" element={<Alerts />} />
          <Route path="notifications/deliveries" element={<DeliveryLog />} />
          <Route path="settings" element={<Settings />} />
          <Route path="help" element={<Help />} />
        </Route>
        <Route element={<AnyFrame />}>
          <Route path="about" element={<InfoPage topic="about" />} />
          <Route path="contact" element={<InfoPage topic="contact" />} />
          <Route path="privacy" element={<InfoPage topic="privacy" />} />
          <Route path="terms" element={<InfoPage topic="terms" />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

/** The whole app without its router (tests wrap it in a MemoryRouter). */
export function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </ToastProvider>
  );
}
