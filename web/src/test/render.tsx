import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, useLocation } from 'react-router';
import { App } from '../App.tsx';

/** Where the app is: the test reads it from a data attribute. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location" data-path={`${location.pathname}${location.search}`} hidden />;
}

/** The whole app at `path`, as a user would open it. */
export function renderApp(path = '/') {
  const user = userEvent.setup();
  const view = render(
    <MemoryRouter initialEntries={[path]}>
      <App />
      <LocationProbe />
    </MemoryRouter>,
  );
  const location = () => view.getByTestId('location').getAttribute('data-path');
  return { user, location, ...view };
}
