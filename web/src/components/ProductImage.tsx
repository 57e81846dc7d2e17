import { useEffect, useState } from 'react';
import { getToken } from '../api/client.ts';
import { products } from '../api/endpoints.ts';

/**
 * A product image. The API route needs the bearer token, which an <img> cannot send: the image is
 * fetched with it (following the redirect to S3) and shown from a blob URL. If that fails (an S3
 * without CORS), the route is used directly.
 */
export function ProductImage({ sku, imageKey, alt }: { sku: string; imageKey: string; alt: string }) {
  const path = products.imagePath(sku, imageKey);
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let url: string | null = null;
    let live = true;
    const token = getToken();
    fetch(path, token ? { headers: { authorization: `Bearer ${token}` } } : {})
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status));
        const blob = await response.blob();
        url = URL.createObjectURL(blob);
        if (live) setSrc(url);
      })
      .catch(() => live && setSrc(path));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [path]);

  if (failed) return <div className="image-placeholder">Image unavailable</div>;
  if (!src) return <div className="image-placeholder" aria-busy="true" />;
  return <img className="product-image" src={src} alt={alt} onError={() => setFailed(true)} />;
}
