import { PageHeader } from '../components/ui.tsx';
import { useTitle } from '../lib/hooks.ts';

type Topic = 'about' | 'contact' | 'privacy' | 'terms';

const PAGES: Record<Topic, { title: string; body: string[] }> = {
  about: {
    title: 'About Us',
    body: [
      'Azura runs an e-commerce platform. Azura Inventory keeps its stock right: every product, every location, every unit reserved for an order, and every movement with who made it and why.',
    ],
  },
  contact: {
    title: 'Contact',
    body: [
      'For help with the dashboard, ask your administrator or the Azura operations team.',
      'Operations: ops@azura.example · Support: support@azura.example',
    ],
  },
  privacy: {
    title: 'Privacy Policy',
    body: [
      'The dashboard stores your sign-in token in this browser only, and records your email address as the author of the changes you make to stock and products.',
      'No tracking or advertising cookies are used.',
    ],
  },
  terms: {
    title: 'Terms of Service',
    body: ['Azura Inventory is for the use of Azura staff and partners authorised by Azura.'],
  },
};

export default function InfoPage({ topic }: { topic: Topic }) {
  const page = PAGES[topic];
  useTitle(page.title);
  return (
    <>
      <PageHeader title={page.title} />
      <div className="card prose">
        {page.body.map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
    </>
  );
}
