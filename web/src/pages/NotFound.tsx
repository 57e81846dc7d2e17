import { Link } from 'react-router';
import { PageHeader } from '../components/ui.tsx';
import { useTitle } from '../lib/hooks.ts';

export default function NotFound() {
  useTitle('Not found');
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is nothing here. <Link to="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
